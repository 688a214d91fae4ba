package io.github.dl4jcontinual.zoo.ctp;

import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.ClassOrder;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Image–caption pairs as a scenario of core's types, the data {@link CtpPlugin} trains on: one experience per
 * domain of a {@link PairStream}, in stream order, built with core's {@link ClassIncrementalScenario} with the
 * domain as the label (one-hot over the domains; experience t holds exactly domain t). Each example has three
 * inputs: the image {@code [pixels]}, the caption's frozen text features ({@link TextFeatures}, e.g. MiniLM's 384)
 * and the caption's id {@code [1]} (ids are given in order of first appearance over the training and then the test
 * pairs of all domains, so equal captions share an id across domains and splits).
 */
public final class PairScenarios {
    private PairScenarios() {
    }

    /**
     * @param stream the pairs
     * @param text   the frozen text features of the captions
     * @return the scenario
     */
    public static Scenario of(PairStream stream, TextFeatures text) {
        Map<String, Integer> ids = new HashMap<>();
        List<PairDataset> train = new ArrayList<>();
        List<PairDataset> test = new ArrayList<>();
        for (int t = 0; t < stream.size(); t++) {
            train.add(stream.train(t));
        }
        for (int t = 0; t < stream.size(); t++) {
            test.add(stream.test(t));
        }
        MultiDataSet tr = examples(train, text, ids, stream.size());
        MultiDataSet te = examples(test, text, ids, stream.size());
        int[][] groups = new int[stream.size()][];
        for (int t = 0; t < groups.length; t++) {
            groups[t] = new int[]{t};
        }
        return new ClassIncrementalScenario.Builder().name("pairs:" + String.join(",", stream.names()))
                .train(tr).test(te).experienceClasses(groups).classOrder(ClassOrder.natural()).build();
    }

    private static MultiDataSet examples(List<PairDataset> parts, TextFeatures text, Map<String, Integer> ids,
                                         int domains) {
        List<INDArray> img = new ArrayList<>();
        List<INDArray> txt = new ArrayList<>();
        List<float[]> cap = new ArrayList<>();
        List<INDArray> lab = new ArrayList<>();
        for (int t = 0; t < parts.size(); t++) {
            PairDataset p = parts.get(t);
            img.add(p.images().castTo(DataType.FLOAT));
            txt.add(text.features(p.captions()).castTo(DataType.FLOAT));
            float[] c = new float[p.size()];
            for (int i = 0; i < c.length; i++) {
                c[i] = ids.computeIfAbsent(p.captions().get(i), k -> ids.size());
            }
            cap.add(c);
            INDArray l = Nd4j.zeros(DataType.FLOAT, p.size(), domains);
            l.getColumn(t).assign(1);
            lab.add(l);
        }
        int n = cap.stream().mapToInt(a -> a.length).sum();
        float[] all = new float[n];
        int o = 0;
        for (float[] c : cap) {
            System.arraycopy(c, 0, all, o, c.length);
            o += c.length;
        }
        return new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[]{Nd4j.vstack(img), Nd4j.vstack(txt),
                Nd4j.createFromArray(all).reshape(n, 1)}, new INDArray[]{Nd4j.vstack(lab)});
    }

    /**
     * @param e         an experience of such a scenario
     * @param batchSize read minibatch
     * @return its three input arrays, every example in order
     */
    static INDArray[] allFeatures(Experience e, int batchSize) {
        MultiDataSetIterator it = e.iterator(batchSize, false, 0);
        List<INDArray[]> parts = new ArrayList<>();
        while (it.hasNext()) {
            parts.add(it.next().getFeatures());
        }
        return concat(parts);
    }

    static INDArray[] concat(List<INDArray[]> parts) {
        int k = parts.get(0).length;
        INDArray[] out = new INDArray[k];
        for (int i = 0; i < k; i++) {
            INDArray[] a = new INDArray[parts.size()];
            for (int j = 0; j < a.length; j++) {
                a[j] = parts.get(j)[i];
            }
            out[i] = a.length == 1 ? a[0] : Nd4j.vstack(a);
        }
        return out;
    }
}
