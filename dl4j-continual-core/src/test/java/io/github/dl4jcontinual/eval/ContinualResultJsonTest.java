package io.github.dl4jcontinual.eval;

import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ContinualResult} round-trips through JSON with named matrices and scalars, and reads a result written
 * before named matrices existed ({@code legacy-result.json}: {@code docs/results/prompts/er-seed1/result.json}).
 */
class ContinualResultJsonTest {

    static AccuracyMatrix matrix(long seed) {
        long[][] correct = {{80 + seed, -1, -1}, {60, 70 + seed, -1}, {50, 55, 90}};
        return new AccuracyMatrix(correct, new long[]{100, 100, 100}, new double[]{0.25, Double.NaN, Double.NaN});
    }

    static ContinualResult result() {
        Map<String, AccuracyMatrix> m = new LinkedHashMap<>();
        m.put(ContinualResult.CLASS_IL, matrix(0));
        m.put(ContinualResult.TASK_IL, matrix(5));
        m.put("nme.class_il", matrix(1));
        m.put("nme.task_il", matrix(2));
        m.put("itaml.with_task_prediction", matrix(3));
        Map<String, Double> scalars = new LinkedHashMap<>();
        scalars.put("buffer.final_size", 200.0);
        scalars.put("ctp.retrieval_at_1", 0.625);
        List<ExperienceResult> exps = List.of(
                new ExperienceResult(0, new int[]{0, 1}, true, 400, 2, 40, 0.5, 120, 30, 1 << 20, 1 << 10, 0,
                        Map.of("er.replayed", 0.0)),
                new ExperienceResult(1, new int[]{2, 3}, true, 400, 2, 40, 0.25, 110, 31, 1 << 20, 1 << 10, 0,
                        Map.of("er.replayed", 320.0)),
                new ExperienceResult(2, new int[]{4, 5}, false, 0, 0, 0, Double.NaN, 0, 29, 0, 0, 0, Map.of()));
        ContinualConfiguration conf = new ContinualConfiguration.Builder().seed(7).batchSize(16)
                .plugin(new ExperienceReplay.Builder().bufferSize(200).build()).build();
        return new ContinualResult("toy", "CLASS_INCREMENTAL", new int[]{4, 0, 1, 2, 3, 5}, "er", conf, m, scalars,
                exps, 1234);
    }

    @Test
    void namedMatricesScalarsAndExperiencesRoundTrip() {
        ContinualResult r = result();
        String json = r.toJson();
        ContinualResult back = ContinualResult.fromJson(json);
        assertEquals(r.matrixNames(), back.matrixNames());
        for (String name : r.matrixNames()) {
            assertEquals(r.matrix(name), back.matrix(name), name);
        }
        assertEquals(r.scalars(), back.scalars());
        assertEquals(Set.of("nme"), back.heads());
        assertEquals(matrix(1), back.classIncremental("nme"));
        assertEquals(matrix(2), back.taskIncremental("nme"));
        assertEquals(matrix(0), back.classIncremental());
        assertEquals(matrix(5), back.taskIncremental());
        assertEquals(0.25, back.classIncremental().baseline(0), 0.0);
        assertTrue(Double.isNaN(back.classIncremental().baseline(1)));
        assertEquals("toy", back.scenario());
        assertEquals("CLASS_INCREMENTAL", back.scenarioType());
        assertArrayEquals(new int[]{4, 0, 1, 2, 3, 5}, back.classOrder());
        assertEquals("er", back.strategy());
        assertEquals(r.configuration(), back.configuration());
        assertEquals(1234, back.totalMillis());
        assertEquals(3, back.experiences().size());
        ExperienceResult e1 = back.experiences().get(1);
        assertArrayEquals(new int[]{2, 3}, e1.classes());
        assertEquals(0.25, e1.lastScore(), 0.0);
        assertEquals(Map.of("er.replayed", 320.0), e1.metrics());
        assertTrue(Double.isNaN(back.experiences().get(2).lastScore()));
        assertEquals(json, back.toJson(), "a second round trip writes the same JSON");
        assertEquals(r.summaryCsv(), back.summaryCsv());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> back.matrix("nope"));
        assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("itaml.with_task_prediction"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> back.classIncremental("icarl"));
        assertTrue(e.getMessage().contains("'icarl'") && e.getMessage().contains("[nme]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ContinualResult("x", "y", new int[0], "s", null,
                Map.of(ContinualResult.CLASS_IL, matrix(0)), Map.of(), List.of(), 0));
        assertTrue(e.getMessage().contains(ContinualResult.TASK_IL), e.getMessage());
    }

    @Test
    void modelSummaryClassNamesAndConfusionRoundTrip() {
        ModelSummary summary = new ModelSummary("MultiLayerNetwork", 50890, List.of(
                new ModelSummary.LayerSummary("0", "DenseLayer", 784, 64, "W[784, 64] b[1, 64]", 50240),
                new ModelSummary.LayerSummary("1", "OutputLayer", 64, 10, "W[64, 10] b[1, 10]", 650)),
                "table\n<&>");
        ClassConfusion confusion = new ClassConfusion(2, new long[][]{{3, 1, 0, 0, 0, 0}, {0, 4, 0, 0, 0, 0},
            {0, 0, 5, 0, 0, 1}, {0, 0, 0, 6, 0, 0}, {0, 0, 0, 0, 0, 0}, {2, 0, 0, 0, 0, 7}});
        List<String> names = List.of("zero", "one", "two", "three", "four", "five");
        ContinualResult r = result().withModelSummary(summary).withClassNames(names).withConfusion(confusion)
                .withRun("id", null);
        ContinualResult back = ContinualResult.fromJson(r.toJson());
        assertEquals(summary, back.modelSummary());
        assertEquals(50240, back.modelSummary().layers().get(0).params());
        assertEquals(784, back.modelSummary().layers().get(0).nIn());
        assertEquals("table\n<&>", back.modelSummary().text());
        assertEquals(names, back.classNames());
        assertEquals(confusion, back.confusion());
        assertEquals(2, back.confusion().after());
        assertEquals(0.75, back.confusion().accuracy(0), 0.0);
        assertTrue(Double.isNaN(back.confusion().accuracy(4)), "a class without examples has no accuracy");
        // class order {4, 0, 1, 2, 3, 5}: relabelled class 0 is dataset class 4
        assertEquals("four", back.className(0));
        assertEquals("five", back.className(5));
        assertEquals(r.toJson(), back.toJson());
        // the copies keep the new fields
        assertEquals(confusion, back.withHeads(Map.of()).confusion());
        assertEquals(summary, back.withRun("other", null).modelSummary());
    }

    @Test
    void aResultWithoutTheNewFieldsLoads() throws Exception {
        ContinualResult r = ContinualResult.fromJson(legacy());
        assertEquals(null, r.modelSummary());
        assertEquals(List.of(), r.classNames());
        assertEquals(null, r.confusion());
        assertEquals(Integer.toString(r.classOrder()[1]), r.className(1), "no names: the dataset class id");
        // the named-matrix format without the three keys (a result.json written before them) loads too
        org.nd4j.shade.jackson.databind.node.ObjectNode tree = (org.nd4j.shade.jackson.databind.node.ObjectNode)
                io.github.dl4jcontinual.serde.ContinualJson.mapper().readTree(result()
                        .withModelSummary(new ModelSummary("SameDiff", 3, List.of(), null))
                        .withClassNames(List.of("a", "b", "c", "d", "e", "f"))
                        .withConfusion(new ClassConfusion(0, new long[][]{{1}})).toJson());
        assertTrue(tree.has("modelSummary") && tree.has("classNames") && tree.has("confusion"), tree.toString());
        tree.remove(List.of("modelSummary", "classNames", "confusion"));
        ContinualResult older = ContinualResult.fromJson(tree.toString());
        assertEquals(null, older.modelSummary());
        assertEquals(null, older.confusion());
        assertEquals(List.of(), older.classNames());
        assertEquals("4", older.className(0));
        assertEquals(result().toJson(), older.toJson(), "everything else as before");
    }

    static String legacy() throws IOException {
        try (InputStream in = ContinualResultJsonTest.class.getResourceAsStream("legacy-result.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aResultWrittenBeforeNamedMatricesIsRead() throws Exception {
        ContinualResult r = ContinualResult.fromJson(legacy());
        assertEquals("split-fashion-mnist", r.scenario());
        assertEquals("er", r.strategy());
        assertEquals(Set.of(ContinualResult.CLASS_IL, ContinualResult.TASK_IL), r.matrixNames());
        AccuracyMatrix c = r.classIncremental();
        assertEquals(5, c.rows());
        assertEquals(1964, c.correct(0, 0));
        assertEquals(1923, c.correct(4, 4));
        assertEquals(1162, c.correct(4, 1));
        assertEquals(2000, c.total(3));
        assertEquals(0.426, c.baseline(0), 1e-12);
        assertEquals((1694 + 1162 + 1401 + 1159 + 1923) / 10000.0, c.finalAverageAccuracy(), 1e-12);
        AccuracyMatrix t = r.taskIncremental();
        assertEquals(1988, t.correct(4, 4));
        assertEquals(1892, t.correct(1, 1));
        assertTrue(r.heads().isEmpty(), "the legacy file has empty head maps");
        assertEquals(5, r.experiences().size());
        assertEquals(2416, r.experiences().get(0).examplesSeen());
        assertEquals(1, r.configuration().getSeed());
        assertEquals(59999, r.totalMillis());
        // read back as the current format, it keeps its matrices
        ContinualResult again = ContinualResult.fromJson(r.toJson());
        assertEquals(c, again.classIncremental());
        assertEquals(t, again.taskIncremental());
    }

    @Test
    void legacyHeadMatricesBecomeNamedMatrices() throws Exception {
        String withHead = legacy().replace("\"headClassIncremental\" : { }", "\"headClassIncremental\" : { \"nme\" : "
                + "{ \"correct\" : [ [ 1, -1 ], [ 2, 3 ] ], \"total\" : [ 4, 4 ], \"baseline\" : [ \"NaN\", \"NaN\" ] } }")
                .replace("\"headTaskIncremental\" : { }", "\"headTaskIncremental\" : { \"nme\" : "
                        + "{ \"correct\" : [ [ 4, -1 ], [ 3, 4 ] ], \"total\" : [ 4, 4 ], \"baseline\" : [ \"NaN\", "
                        + "\"NaN\" ] } }");
        assertTrue(!withHead.equals(legacy()), "the legacy file's head maps were found");
        ContinualResult r = ContinualResult.fromJson(withHead);
        assertEquals(Set.of("nme"), r.heads());
        assertEquals(3, r.classIncremental("nme").correct(1, 1));
        assertEquals(4, r.taskIncremental("nme").correct(0, 0));
        assertTrue(r.matrixNames().contains("nme.class_il") && r.matrixNames().contains("nme.task_il"),
                r.matrixNames().toString());
        assertEquals(1964, r.classIncremental().correct(0, 0));
    }
}
