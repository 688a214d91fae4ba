package io.github.dl4jcontinual.scenario;

import io.github.dl4jcontinual.data.ExampleSource;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an {@link Experience} reads: one or more parts, each a selection of positions of an {@link ExampleSource}
 * with the relabelling of the classification output and an optional input transform. Holds positions, never
 * examples. Immutable; package-private.
 */
final class ExperienceData {

    /** A selection of one source. */
    static final class Part {
        final ExampleSource source;
        /** Ascending positions in pass order; shared between experiences, never modified. */
        final int[] positions;
        final MultiDataSetPreProcessor transform;
        /** Column p of the relabelled classification labels is the source's class {@code classOrder[p]}. */
        final int[] classOrder;
        final int classOutput;
        /** The source's class id of every position (the index's array, shared, never modified). */
        final int[] classOf;

        Part(ExampleSource source, int[] positions, MultiDataSetPreProcessor transform, int[] classOrder,
             int classOutput, int[] classOf) {
            this.source = source;
            this.positions = positions;
            this.transform = transform;
            this.classOrder = classOrder;
            this.classOutput = classOutput;
            this.classOf = classOf;
        }

        /** @return this part restricted to some of its positions (ascending) */
        Part with(int[] positions) {
            return new Part(source, positions, transform, classOrder, classOutput, classOf);
        }

        /** @return the relabelled class of the example at a source position */
        int relabelled(int position) {
            int c = classOf[position];
            if (classOrder == null) {
                return c;
            }
            for (int p = 0; p < classOrder.length; p++) {
                if (classOrder[p] == c) {
                    return p;
                }
            }
            return -1;
        }
    }

    final List<Part> parts;
    final int shuffleBuffer;
    final long numExamples;

    ExperienceData(List<Part> parts, int shuffleBuffer) {
        this.parts = Collections.unmodifiableList(new ArrayList<>(parts));
        this.shuffleBuffer = shuffleBuffer;
        long n = 0;
        for (Part p : parts) {
            n += p.positions.length;
        }
        this.numExamples = n;
    }

    /** @return the parts grouped by source, in order of first appearance */
    Map<ExampleSource, List<Part>> bySource() {
        Map<ExampleSource, List<Part>> m = new LinkedHashMap<>();
        for (Part p : parts) {
            m.computeIfAbsent(p.source, s -> new ArrayList<>()).add(p);
        }
        return m;
    }

    /** @return the transform of a single-part experience, or null */
    MultiDataSetPreProcessor transform() {
        return parts.size() == 1 ? parts.get(0).transform : null;
    }
}
