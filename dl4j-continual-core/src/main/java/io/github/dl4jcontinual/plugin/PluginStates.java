package io.github.dl4jcontinual.plugin;

import java.io.Serializable;

/**
 * Reads back the state a plugin wrote with {@link ContinualPlugin#saveState()} as an array of parts, checking the
 * shape first: a checkpoint of another plugin, of another version, or an edited one gets an
 * {@link IllegalArgumentException} naming the plugin, what was expected and what was found, never a
 * {@link ClassCastException} or a half-restored plugin.
 */
public final class PluginStates {
    private PluginStates() {
    }

    /**
     * @param state  the state read from the checkpoint
     * @param length the number of parts the plugin writes
     * @param plugin the plugin's name, for the message
     * @return the parts
     * @throws IllegalArgumentException if the state is not an array of {@code length} parts
     */
    public static Serializable[] parts(Serializable state, int length, String plugin) {
        if (!(state instanceof Serializable[]) || ((Serializable[]) state).length != length) {
            throw new IllegalArgumentException("Expected the state of " + plugin + " (an array of " + length
                    + " parts), got: " + describe(state));
        }
        return (Serializable[]) state;
    }

    /**
     * @param parts    the parts from {@link #parts}
     * @param i        the index of the part
     * @param type     its expected type
     * @param nullable whether null is a valid value of this part
     * @param plugin   the plugin's name, for the message
     * @param <T>      the part's type
     * @return the part, cast
     * @throws IllegalArgumentException if the part has another type (or is null when not allowed)
     */
    public static <T> T part(Serializable[] parts, int i, Class<T> type, boolean nullable, String plugin) {
        Serializable p = parts[i];
        if (p == null ? !nullable : !type.isInstance(p)) {
            throw new IllegalArgumentException("Expected part " + i + " of the state of " + plugin + " to be a "
                    + type.getSimpleName() + (nullable ? " or null" : "") + ", got: " + describe(p));
        }
        return type.cast(p);
    }

    private static String describe(Object o) {
        if (o == null) {
            return "null";
        }
        return o instanceof Object[] ? o.getClass().getComponentType().getSimpleName() + "[" + ((Object[]) o).length
                + "]" : o.getClass().getName();
    }
}
