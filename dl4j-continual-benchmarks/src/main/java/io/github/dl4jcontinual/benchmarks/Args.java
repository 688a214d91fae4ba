package io.github.dl4jcontinual.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Minimal {@code --name value} / {@code --flag} parser for the example commands. Unknown options are rejected
 * with the list of known ones, so a typo never silently falls back to a default.
 */
public final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> known = new LinkedHashSet<>();

    /**
     * @param argv  the arguments after the command name
     * @param known the option names this command accepts (without the leading dashes)
     */
    public Args(String[] argv, String... known) {
        this.known.addAll(Arrays.asList(known));
        this.known.add("help");
        this.known.add("no-report");
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("Unexpected argument '" + a + "'; options are --" + String.join(
                        ", --", this.known));
            }
            String name = a.substring(2);
            String value = "true";
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
                value = argv[++i];
            }
            if (!this.known.contains(name)) {
                throw new IllegalArgumentException("Unknown option --" + name + "; options are --"
                        + String.join(", --", this.known));
            }
            values.put(name, value);
        }
    }

    /**
     * @param name option
     * @return whether it was given
     */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /**
     * Writes {@code text} (UTF-8) to the file named by option {@code name}, if that option was given.
     *
     * @param name option holding a file name
     * @param text the content
     */
    public void writeIfGiven(String name, String text) {
        if (!has(name)) {
            return;
        }
        try {
            java.nio.file.Files.write(new java.io.File(get(name, null)).toPath(),
                    text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * @param name option
     * @param def  default
     * @return its value or the default
     */
    public String get(String name, String def) {
        return values.getOrDefault(name, def);
    }

    /**
     * @param name option
     * @param def  default
     * @return its integer value
     */
    public int getInt(String name, int def) {
        String v = values.get(name);
        try {
            return v == null ? def : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " should be an integer (got: " + v + ")");
        }
    }

    /**
     * @param name option
     * @param type the enum
     * @param def  default
     * @return the constant named by its value, case-insensitive, '-' read as '_' ("seen-and-next" is SEEN_AND_NEXT)
     */
    public <E extends Enum<E>> E getEnum(String name, Class<E> type, E def) {
        String v = values.get(name);
        if (v == null) {
            return def;
        }
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(v.replace('-', '_'))) {
                return e;
            }
        }
        StringBuilder known = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            known.append(known.length() == 0 ? "" : ", ").append(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        throw new IllegalArgumentException("--" + name + " should be one of " + known + " (got: " + v + ")");
    }

    /**
     * @param name option
     * @param def  default
     * @return its double value
     */
    public double getDouble(String name, double def) {
        String v = values.get(name);
        try {
            return v == null ? def : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " should be a number (got: " + v + ")");
        }
    }

    /**
     * @param name option holding a comma-separated list
     * @param def  default list
     * @return the items
     */
    public List<String> getList(String name, String def) {
        List<String> out = new ArrayList<>();
        for (String s : get(name, def).split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    /**
     * @param name option holding comma-separated integers
     * @param def  default
     * @return the integers
     */
    public long[] getLongs(String name, String def) {
        return getList(name, def).stream().mapToLong(s -> {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + name + " should be comma-separated integers (got: " + s
                        + ")");
            }
        }).toArray();
    }
}
