package io.github.dl4jcontinual.logging;

import java.io.File;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Logs a continual run as two CSV files in a directory: {@value #EXPERIENCES} (one line per experience: size, time,
 * memory, score, average accuracies, plugin metrics as {@code name=value;...}) and {@value #EVALUATIONS} (one line
 * per evaluation of a test experience: class-IL and task-IL accuracy and counts; {@code trained_up_to = -1} is the
 * untrained baseline). Lines are appended and on disk as soon as the event is over; a header is written when a file
 * is new, so several runs (column {@code run}) can share the files. Called on the trainer's thread.
 *
 * <pre>{@code trainer.addListener(new CsvLogger(new File("results/run1/logs")));}</pre>
 */
public final class CsvLogger extends RecordLogger {
    /** File name of the per-experience log. */
    public static final String EXPERIENCES = "experience-log.csv";
    /** File name of the per-evaluation log. */
    public static final String EVALUATIONS = "evaluation-log.csv";

    private final File dir;

    /**
     * @param dir the directory of the two CSV files (created when the first line is written)
     */
    public CsvLogger(File dir) {
        this.dir = Objects.requireNonNull(dir, "dir");
    }

    @Override
    void experience(Map<String, Object> record) {
        write(new File(dir, EXPERIENCES), record);
    }

    @Override
    void evaluation(Map<String, Object> record) {
        write(new File(dir, EVALUATIONS), record);
    }

    private static void write(File f, Map<String, Object> record) {
        String line = record.values().stream().map(CsvLogger::value).collect(Collectors.joining(",")) + "\n";
        append(f, f.length() == 0 ? String.join(",", record.keySet()) + "\n" + line : line);
    }

    private static String value(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof int[]) {
            return Arrays.stream((int[]) v).mapToObj(Integer::toString).collect(Collectors.joining(" "));
        }
        if (v instanceof Map) {
            return ((Map<?, ?>) v).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining(";"));
        }
        return v.toString();
    }
}
