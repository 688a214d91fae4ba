package io.github.dl4jcontinual.logging;

import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ExperienceResult;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualListener;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns the trainer's events into flat records, one per experience and one per evaluation (test experience), and
 * hands them to a format. Records of the baseline evaluation (before any training) have
 * {@code trained_up_to = -1} and no counts. Every record starts with {@code run}, the number of streams this
 * logger saw start before (0 for the first {@code fit}).
 */
abstract class RecordLogger implements ContinualListener {
    private int run = -1;

    @Override
    public void onStreamStart(Scenario scenario) {
        run++;
    }

    /** @return the index of the current run (streams started before it), -1 before the first */
    final int run() {
        return run;
    }

    @Override
    public void onExperienceEnd(ExperienceResult result, AccuracyMatrix classIncremental,
                                AccuracyMatrix taskIncremental) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("run", run);
        e.put("experience", result.experience());
        e.put("classes", result.classes());
        e.put("trained", result.trained());
        e.put("examples_seen", result.examplesSeen());
        e.put("epochs", result.epochs());
        e.put("iterations", result.iterations());
        e.put("last_score", result.lastScore());
        e.put("train_ms", result.trainMillis());
        e.put("eval_ms", result.evalMillis());
        e.put("peak_heap_bytes", result.peakHeapBytes());
        e.put("off_heap_bytes", result.offHeapBytes());
        e.put("physical_bytes", result.physicalBytes());
        int row = classIncremental.rows() - 1;
        e.put("class_il_average_accuracy", classIncremental.averageAccuracy(row));
        e.put("task_il_average_accuracy", taskIncremental.averageAccuracy(row));
        e.put("metrics", result.metrics());
        experience(e);
        if (row == 0) {
            for (int j = 0; j < classIncremental.columns(); j++) {
                evaluation(evaluationRecord(-1, j, classIncremental.baseline(j), taskIncremental.baseline(j), null,
                        null, classIncremental.total(j)));
            }
        }
        for (int j = 0; j < classIncremental.columns(); j++) {
            evaluation(evaluationRecord(row, j, classIncremental.get(row, j), taskIncremental.get(row, j),
                    classIncremental.correct(row, j), taskIncremental.correct(row, j), classIncremental.total(j)));
        }
    }

    private Map<String, Object> evaluationRecord(int row, int column, double classIl, double taskIl, Long classCorrect,
                                                 Long taskCorrect, long total) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("run", run);
        e.put("trained_up_to", row);
        e.put("test_experience", column);
        e.put("class_il_accuracy", classIl);
        e.put("task_il_accuracy", taskIl);
        e.put("class_il_correct", classCorrect);
        e.put("task_il_correct", taskCorrect);
        e.put("test_examples", total);
        return e;
    }

    /**
     * @param record one experience's record (keys in a fixed order; {@code classes} is an int[], {@code metrics} a
     *               sorted map of plugin figures)
     */
    abstract void experience(Map<String, Object> record);

    /**
     * @param record one evaluation's record (keys in a fixed order; counts are null for the baseline)
     */
    abstract void evaluation(Map<String, Object> record);

    /**
     * Appends text to a file (created with its parent directories if needed) and closes it, so that every record is
     * on disk when the call returns.
     *
     * @param file the file
     * @param text the text
     */
    static void append(File file, String text) {
        try {
            File parent = file.getAbsoluteFile().getParentFile();
            if (parent != null) {
                Files.createDirectories(parent.toPath());
            }
            Files.write(file.toPath(), text.getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the log " + file, e);
        }
    }
}
