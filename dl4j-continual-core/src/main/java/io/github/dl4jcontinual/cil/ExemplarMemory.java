package io.github.dl4jcontinual.cil;

import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.selection.HerdingSelection;

import java.util.Objects;

/** The exemplar memories of iCaRL and LUCIR: a buffer that selects at the end of each experience, by default herding. */
final class ExemplarMemory {
    private ExemplarMemory() {
    }

    /**
     * @param perClass     exemplars per class, at least 1
     * @param featureLayer the herding feature layer, or null for the layer before the output
     * @return a class-balanced herding memory (herding on L2-normalised features) with that budget per class
     * @throws IllegalArgumentException if {@code perClass} is less than 1
     */
    static BufferConfiguration herdingPerClass(int perClass, String featureLayer) {
        if (perClass < 1) {
            throw new IllegalArgumentException("exemplarsPerClass should be >= 1 (got: " + perClass + ")");
        }
        return new BufferConfiguration.Builder().type(BufferConfiguration.Type.CLASS_BALANCED).perClass(perClass)
                .selection(new HerdingSelection(featureLayer, true)).build();
    }

    /**
     * @param buffer an exemplar memory
     * @param method the method's name, for the message
     * @return {@code buffer}
     * @throws IllegalArgumentException if it has no selection policy (no end-of-experience selection)
     */
    static BufferConfiguration requireSelection(BufferConfiguration buffer, String method) {
        Objects.requireNonNull(buffer, "buffer");
        if (buffer.getSelection() == null) {
            throw new IllegalArgumentException(method + " selects exemplars at the end of each experience: the buffer "
                    + "needs a selection policy, e.g. CLASS_BALANCED with new HerdingSelection() (got: " + buffer
                    + ")");
        }
        return buffer;
    }
}
