package io.github.dl4jcontinual.logging;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.scenario.Scenario;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.ObjectWriter;
import org.nd4j.shade.jackson.databind.SerializationFeature;

import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Logs a continual run as JSON lines in one file: one object per event, its kind in {@code "event"}:
 * {@code "stream_start"} (scenario), {@code "experience"} (size, time, memory, score, average accuracies, plugin
 * metrics), {@code "evaluation"} (class-IL and task-IL accuracy and counts on one test experience;
 * {@code trained_up_to = -1} is the untrained baseline) and {@code "stream_end"} (final metrics). Undefined numbers
 * are the string {@code "NaN"}, as in {@code result.json}. Lines are appended and on disk as soon as the event is
 * over. Called on the trainer's thread.
 *
 * <pre>{@code trainer.addListener(new JsonLinesLogger(new File("results/run1/log.jsonl")));}</pre>
 */
public final class JsonLinesLogger extends RecordLogger {
    private static final ObjectWriter WRITER = ContinualJson.mapper().writer()
            .without(SerializationFeature.INDENT_OUTPUT);

    private final File file;

    /**
     * @param file the log file (appended to; created with its parent directories if needed)
     */
    public JsonLinesLogger(File file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    @Override
    public void onStreamStart(Scenario scenario) {
        super.onStreamStart(scenario);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("run", run());
        r.put("scenario", scenario.name());
        r.put("scenario_type", scenario.type().name());
        r.put("class_order", scenario.classOrder());
        write("stream_start", r);
    }

    @Override
    public void onStreamEnd(ContinualResult result) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("run", run());
        r.put("strategy", result.strategy());
        r.put("seed", result.configuration().getSeed());
        r.put("class_il_final_average_accuracy", result.classIncremental().finalAverageAccuracy());
        r.put("task_il_final_average_accuracy", result.taskIncremental().finalAverageAccuracy());
        r.put("class_il_average_forgetting", result.classIncremental().averageForgetting());
        r.put("task_il_average_forgetting", result.taskIncremental().averageForgetting());
        r.put("total_ms", result.totalMillis());
        write("stream_end", r);
    }

    @Override
    void experience(Map<String, Object> record) {
        write("experience", record);
    }

    @Override
    void evaluation(Map<String, Object> record) {
        write("evaluation", record);
    }

    private void write(String event, Map<String, Object> record) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("event", event);
        r.putAll(record);
        try {
            append(file, WRITER.writeValueAsString(r) + "\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write a log record as JSON: " + r, e);
        }
    }
}
