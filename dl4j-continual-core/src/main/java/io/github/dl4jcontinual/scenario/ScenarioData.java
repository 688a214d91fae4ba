package io.github.dl4jcontinual.scenario;

import io.github.dl4jcontinual.data.ExampleSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/** Package-private helpers shared by the scenario builders: validation and experience assembly. */
final class ScenarioData {
    private ScenarioData() {
    }

    /** Present class ids (ascending) of a labels-id array. */
    static int[] present(int[] ids) {
        TreeSet<Integer> s = new TreeSet<>();
        for (int id : ids) {
            s.add(id);
        }
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    static void checkSameClasses(SourceIndex train, SourceIndex test) {
        if (train.labelWidth != test.labelWidth) {
            throw new IllegalArgumentException("Train and test label widths differ: train labels have "
                    + train.labelWidth + " columns, test labels have " + test.labelWidth);
        }
        if (train.numInputs != test.numInputs || train.numOutputs != test.numOutputs) {
            throw new IllegalArgumentException("Train and test minibatches differ: train has " + train.numInputs
                    + " inputs / " + train.numOutputs + " outputs, test " + test.numInputs + " / " + test.numOutputs);
        }
        int[] a = train.present();
        int[] b = test.present();
        if (!Arrays.equals(a, b)) {
            throw new IllegalArgumentException("Train and test sets disagree on classes: train has classes "
                    + Arrays.toString(a) + ", test has classes " + Arrays.toString(b));
        }
    }

    static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }

    /** Maps relabelled ids back to the source's ids. */
    static int[] original(int[] relabelled, int[] order) {
        return Arrays.stream(relabelled).map(c -> order[c]).toArray();
    }

    static Experience experience(String stream, int index, int taskId, int[] classes, int[] seen, SourceIndex idx,
                                 int[] positions, org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor transform,
                                 int[] order, int shuffleBuffer) {
        List<ExperienceData.Part> parts = new ArrayList<>();
        parts.add(new ExperienceData.Part(idx.source, positions, transform, order, idx.classOutput, idx.classOf));
        return new Experience(stream, index, taskId, classes, seen, order.length, idx.classOutput, idx.exampleShape,
                new ExperienceData(parts, shuffleBuffer));
    }

    static ExampleSource require(ExampleSource s, String which) {
        if (s == null) {
            throw new IllegalStateException("No " + which + " data: call " + which + "(...) on the builder");
        }
        return s;
    }
}
