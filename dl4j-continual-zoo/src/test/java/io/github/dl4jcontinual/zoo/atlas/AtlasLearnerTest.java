package io.github.dl4jcontinual.zoo.atlas;

import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.zoo.FiniteDifferences;
import io.github.dl4jcontinual.zoo.text.BertTextEncoder;
import io.github.dl4jcontinual.zoo.text.TinyBert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ATLAS learner mechanics on a tiny double-precision BERT (width 8) and a random image projection (H = 4 → D = 8):
 * finite differences through every stage's graph, which parameters each stage changes (bit-identical checks), frozen
 * towers, per-task versus shared queries, the configuration's JSON and the input checks.
 */
class AtlasLearnerTest {
    private static final int H = 4;
    private static final int D = 8;

    private static AtlasConfiguration.Builder conf() {
        return new AtlasConfiguration.Builder().bottleneck(3).queryHeads(2).textSiteLayers(List.of(0, 1))
                .batchSize(4).stage1Epochs(2).stage2Epochs(2).learningRate(0.01).queryLearningRate(0.05).seed(3);
    }

    private static AtlasImageSide image() {
        Nd4j.getRandom().setSeed(11);
        return new AtlasImageSide(Nd4j.randn(DataType.DOUBLE, H, D), Nd4j.randn(DataType.DOUBLE, 1, D).muli(0.1));
    }

    private static DataSet data(int n, int c, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, c);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % c, 1.0);
        }
        return new DataSet(Nd4j.randn(DataType.DOUBLE, n, H), y);
    }

    /** Task 0 image-text (cat / dog), task 1 image-only (3 classes), task 2 image-text (big cat / big dog). */
    private static List<AtlasTask> stream() {
        return List.of(
                new AtlasTask("t0", AtlasTask.Kind.IMAGE_TEXT, List.of("cat", "dog"), data(8, 2, 1), data(6, 2, 2)),
                new AtlasTask("t1", AtlasTask.Kind.IMAGE, List.of("x", "y", "z"), data(9, 3, 3), data(6, 3, 4)),
                new AtlasTask("t2", AtlasTask.Kind.IMAGE_TEXT, List.of("big cat", "big dog"), data(8, 2, 5),
                        data(6, 2, 6)));
    }

    private static AtlasLearner learner(AtlasConfiguration c, BertTextEncoder enc) {
        return new AtlasLearner(c, image(), enc, TinyBert.TOKENIZER, DataType.DOUBLE);
    }

    private static void gradientCheck(AtlasLearner l, int t, AtlasLearner.Stage stage) {
        AtlasLearner.Graph g = l.graph(t, stage);
        SameDiff sd = g.sameDiff();
        Nd4j.getRandom().setSeed(17);
        for (String v : g.trainable()) {
            if (v.endsWith("_w2")) {    // a fresh adapter's W2 is 0: make every path non-trivial
                sd.getArrForVarName(v).assign(Nd4j.randn(DataType.DOUBLE, sd.getArrForVarName(v).shape()).muli(0.3));
            }
        }
        AtlasTask task = l.tasks().get(t);
        Map<String, INDArray> feed = Map.of(AtlasLearner.X, task.train().getFeatures(), AtlasLearner.Y,
                task.train().getLabels());
        int checked = FiniteDifferences.check(sd, feed, g.trainable());
        assertTrue(checked > 0);
    }

    @ParameterizedTest
    @EnumSource(AtlasConfiguration.Weighting.class)
    void everyStageGraphPassesFiniteDifferences(AtlasConfiguration.Weighting weighting) {
        // one text site, after layer 0, so that its gradients pass through the frozen layer 1
        AtlasLearner l = learner(conf().textSiteLayers(List.of(0)).stage1Epochs(1).stage2Epochs(1)
                .weighting(weighting).querySlots(2).build(), TinyBert.encoder());
        List<AtlasTask> s = stream();
        l.train(s.get(0));
        l.train(s.get(1));
        l.addTask(s.get(2));
        if (weighting == AtlasConfiguration.Weighting.WHOLE) {   // (the dimension site has its own full check)
            gradientCheck(l, 0, AtlasLearner.Stage.STAGE2);   // first task: one adapter per site
            gradientCheck(l, 1, AtlasLearner.Stage.STAGE2);   // image head + new adapter beside an old one
        }
        gradientCheck(l, 2, AtlasLearner.Stage.STAGE1);   // matching task, queries over two old adapters
        gradientCheck(l, 2, AtlasLearner.Stage.STAGE2);
        List<String> stage1 = l.graph(2, AtlasLearner.Stage.STAGE1).trainable();
        assertTrue(stage1.stream().allMatch(v -> v.endsWith("_query")), stage1.toString());
        assertEquals(3 * 2, stage1.size());               // 3 sites × 2 old adapters
        assertEquals(3 * 6, l.graph(2, AtlasLearner.Stage.STAGE2).trainable().size());
        assertEquals(2 * 6 + 2, l.graph(1, AtlasLearner.Stage.STAGE2).trainable().size());  // image sites + head
    }

    private static Set<String> changed(Map<String, INDArray> before, Map<String, INDArray> after) {
        Set<String> c = new HashSet<>();
        for (Map.Entry<String, INDArray> e : after.entrySet()) {
            INDArray b = before.get(e.getKey());
            if (b == null || !b.equals(e.getValue())) {
                c.add(e.getKey());
            }
        }
        return c;
    }

    @ParameterizedTest
    @EnumSource(AtlasConfiguration.Weighting.class)
    void stageOneChangesOnlyQueriesAndHeadStageTwoOnlyTheNewAdapterAndTowersStayFrozen(
            AtlasConfiguration.Weighting weighting) {
        BertTextEncoder enc = TinyBert.encoder();
        Map<String, INDArray> towerBefore = new HashMap<>();
        for (String w : enc.weightNames()) {
            towerBefore.put(w, enc.weight(w).dup());
        }
        AtlasLearner l = learner(conf().weighting(weighting).querySlots(3).build(), enc);
        List<AtlasTask> s = stream();
        l.train(s.get(0));
        l.train(s.get(1));
        AtlasImageSide img = image();
        Map<String, INDArray> p0 = l.parameters();
        int t = l.addTask(new AtlasTask("t3", AtlasTask.Kind.IMAGE, List.of("u", "v"), data(8, 2, 7), data(4, 2, 8)));
        assertEquals(2, t);
        l.runStage(t, AtlasLearner.Stage.STAGE1, 2);
        Map<String, INDArray> p1 = l.parameters();
        for (String k : changed(p0, p1)) {
            assertTrue(k.endsWith("_query@task2") || k.startsWith("head2_"), "stage 1 changed " + k);
            assertFalse(p0.containsKey(k), "stage 1 changed the existing " + k);
        }
        assertEquals(2 * 2 + 2, changed(p0, p1).size());  // 2 image sites × 2 old adapters' queries + head W, b
        l.runStage(t, AtlasLearner.Stage.STAGE2, 2);
        Map<String, INDArray> p2 = l.parameters();
        Set<String> c2 = changed(p1, p2);
        for (String k : c2) {
            assertTrue(k.matches("img_[he]_2_(w1|b1|w2|b2|key|query@task2)") || k.startsWith("head2_"),
                    "stage 2 changed " + k);
        }
        assertTrue(c2.contains("img_h_2_w2") && c2.contains("img_e_2_key") && c2.contains("head2_w"), c2.toString());
        assertEquals(weighting == AtlasConfiguration.Weighting.DIMENSION ? 3 : 1, p2.get("img_e_2_key").rows());
        for (String w : enc.weightNames()) {
            assertEquals(towerBefore.get(w), enc.weight(w), "text tower weight " + w + " moved");
        }
        assertEquals(img.weight(), l.graph(2, AtlasLearner.Stage.EVAL).sameDiff().getArrForVarName("proj_w"));
        assertEquals(img.bias(), l.graph(2, AtlasLearner.Stage.EVAL).sameDiff().getArrForVarName("proj_b"));
    }

    @Test
    void theFirstAtlasTaskGetsBothStagesEpochsOfStageTwo() {
        List<AtlasTask> s = stream();
        // 8 images, batch 4: 2 steps per epoch; stage 1 (2 epochs) cannot run without earlier adapters
        AtlasLearner atlas = learner(conf().build(), TinyBert.encoder());
        assertEquals((2 + 2) * 2, atlas.train(s.get(0)));
        assertEquals((2 + 2) * 3, atlas.train(s.get(1)));   // 9 images: 3 steps per epoch, stage 1 + stage 2
        // the same number of updates as sequential fine-tuning with stage-1 + stage-2 epochs per task
        AtlasLearner seq = learner(conf().method(AtlasConfiguration.Method.SEQUENTIAL).stage2Epochs(4).build(),
                TinyBert.encoder());
        assertEquals((2 + 2) * 2, seq.train(s.get(0)));
        // with explicit epochs too; a first task asked for no stage 1 keeps its stage-2 epochs
        assertEquals(5 * 2, learner(conf().build(), TinyBert.encoder()).train(s.get(0), 3, 2));
        assertEquals(2 * 2, learner(conf().build(), TinyBert.encoder()).train(s.get(0), 0, 2));
    }

    @Test
    void fitUntrainedWithoutSitesIsTheFrozenTowersZeroShotMatching() {
        AtlasLearner l = learner(conf().hiddenImageSite(false).embeddingImageSite(false).textSiteLayers(List.of())
                .build(), TinyBert.encoder());
        List<AtlasTask> s = List.of(stream().get(0), stream().get(2));
        AccuracyMatrix m = l.fitUntrained(s);
        assertTrue(l.parameters().isEmpty(), l.parameters().keySet().toString());
        assertTrue(Double.isNaN(l.lastScore()));
        assertEquals(m.get(0, 0), m.get(1, 0), 0.0);
        // by hand: cosine of the projected image features against the tiny BERT's caption embeddings
        AtlasImageSide img = image();
        INDArray e = s.get(1).test().getFeatures().mmul(img.weight()).addRowVector(img.bias());
        INDArray text = TinyBert.encoder().embed(TinyBert.TOKENIZER, List.of("a photo of a big cat.",
                "a photo of a big dog.")).castTo(DataType.DOUBLE);
        INDArray cos = e.divColumnVector(e.norm2(1).reshape(-1, 1)).mmul(text.divColumnVector(text.norm2(1)
                .reshape(-1, 1)).transpose());
        double hand = cos.argMax(1).eq(s.get(1).test().getLabels().argMax(1)).castTo(DataType.INT).sumNumber()
                .doubleValue() / 6;
        assertEquals(hand, m.get(1, 1), 1e-12);
    }

    @Test
    void perTaskQueriesKeepOldTasksExactlySharedQueriesDoNot() {
        for (boolean perTask : new boolean[]{true, false}) {
            AtlasLearner l = learner(conf().queryPerTask(perTask).build(), TinyBert.encoder());
            List<AtlasTask> s = stream();
            l.train(s.get(0));
            l.train(s.get(1));
            INDArray before = l.logits(1, s.get(1).test().getFeatures());
            l.train(s.get(2));
            INDArray after = l.logits(1, s.get(1).test().getFeatures());
            if (perTask) {
                assertEquals(before, after);
            } else {
                assertNotEquals(before, after);
            }
        }
    }

    @Test
    void sequentialFineTuningMovesTheSharedAdapterAndFitFillsTheMatrix() {
        AtlasLearner l = learner(conf().method(AtlasConfiguration.Method.SEQUENTIAL).build(), TinyBert.encoder());
        List<AtlasTask> s = stream();
        l.train(s.get(0));
        Map<String, INDArray> p0 = l.parameters();
        AccuracyMatrix m = l.fit(s.subList(1, 3));
        Set<String> c = changed(p0, l.parameters());
        assertTrue(c.contains("img_h_0_w1") && c.contains("txt1_0_w2") && c.contains("img_e_0_query"), c.toString());
        assertFalse(l.parameters().keySet().stream().anyMatch(k -> k.contains("_1_")), "sequential adds no adapter");
        assertEquals(2, m.rows());
        assertTrue(Double.isNaN(m.get(0, 1)) || m.get(0, 1) < 0);
        assertTrue(m.get(1, 0) >= 0 && m.get(1, 0) <= 1 && m.get(1, 1) >= 0);
    }

    @Test
    void addUntrainedAddsInitialParametersOnly() {
        AtlasLearner l = learner(conf().build(), TinyBert.encoder());
        List<AtlasTask> s = stream();
        assertEquals(0, l.addUntrained(s.get(0)));
        assertEquals(1, l.addUntrained(s.get(1)));
        Map<String, INDArray> p = l.parameters();
        for (String k : List.of("img_h_0_w2", "img_e_1_w2", "txt1_0_w2", "img_h_1_b2")) {
            assertEquals(0.0, p.get(k).amaxNumber().doubleValue(), 0.0, k + " was trained");
        }
        assertTrue(p.containsKey("img_e_0_query@task1") && p.containsKey("head1_w"), p.keySet().toString());
        assertTrue(Double.isNaN(l.lastScore()));
    }

    @Test
    void configurationRoundTripsThroughJsonAndRejectsBadValues() {
        AtlasConfiguration c = conf().method(AtlasConfiguration.Method.SEQUENTIAL).queryPerTask(false)
                .hiddenImageSite(false).captionTemplate("the %s").weightDecay(0.02).warmupFraction(0.2).scale(10)
                .orthoWeight(0.3).evalBatchSize(7).build();
        AtlasConfiguration back = AtlasConfiguration.fromJson(c.toJson());
        assertEquals(c, back);
        AtlasConfiguration dim = conf().weighting(AtlasConfiguration.Weighting.DIMENSION).querySlots(5).build();
        assertEquals(dim, AtlasConfiguration.fromJson(dim.toJson()));
        assertEquals(AtlasConfiguration.Weighting.DIMENSION, AtlasConfiguration.fromJson(dim.toJson()).getWeighting());
        assertEquals(5, AtlasConfiguration.fromJson(dim.toJson()).slotsPerQuery());
        assertEquals(1, c.slotsPerQuery());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AtlasConfiguration.fromJson(dim.toJson()
                .replace("\"DIMENSION\"", "\"CHANNEL\""))).getMessage().contains("CHANNEL"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> conf().querySlots(0)).getMessage()
                .contains("querySlots"));
        assertEquals(c.toJson(), back.toJson());
        assertEquals(List.of(0, 1), back.getTextSiteLayers());
        assertEquals(new AtlasConfiguration.Builder().build(),
                AtlasConfiguration.fromJson(new AtlasConfiguration.Builder().build().toJson()));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> AtlasConfiguration.fromJson(c.toJson().replace("\"scale\"", "\"scal\""))).getMessage()
                .contains("scal"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> conf().captionTemplate("no slot"))
                .getMessage().contains("no slot"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> conf().stage1Epochs(-1)).getMessage()
                .contains("-1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> conf().warmupFraction(1)).getMessage()
                .contains("warmupFraction"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> conf().textSiteLayers(List.of(-2)))
                .getMessage().contains("-2"));
        // warm-up then linear decay to 0
        AtlasConfiguration d = conf().warmupFraction(0.1).build();
        assertEquals(0.5, d.scheduleFactor(0, 20), 1e-12);
        assertEquals(1.0, d.scheduleFactor(1, 20), 1e-12);
        assertEquals(1.0 / 18, d.scheduleFactor(19, 20), 1e-12);
    }

    @Test
    void badInputGivesClearErrors() {
        BertTextEncoder enc = TinyBert.encoder();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> learner(conf().textSiteLayers(List.of(2))
                .build(), enc)).getMessage().contains("Text site layer 2"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> learner(conf().queryHeads(3).build(), enc))
                .getMessage().contains("queryHeads 3"));
        AtlasLearner noText = new AtlasLearner(conf().build(), image(), null, null, DataType.DOUBLE);
        AtlasTask matching = stream().get(0);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> noText.train(matching)).getMessage()
                .contains("no text tower"));
        AtlasLearner l = learner(conf().build(), enc);
        DataSet wide = new DataSet(Nd4j.zeros(DataType.DOUBLE, 3, H + 1), Nd4j.eye(3).castTo(DataType.DOUBLE));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> l.train(new AtlasTask("w",
                AtlasTask.Kind.IMAGE, List.of("a", "b", "c"), wide, wide))).getMessage().contains("width 5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new AtlasTask("bad", AtlasTask.Kind.IMAGE,
                List.of("a", "b"), wide, wide)).getMessage().contains("[n, 2]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> l.logits(0, Nd4j.zeros(2, H)))
                .getMessage().contains("Task 0 unknown"));
        l.train(stream().get(1));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> l.logits(0, Nd4j.zeros(2, 3)))
                .getMessage().contains("[n, 4]"));
    }
}
