package io.github.dl4jcontinual.zoo.alta;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.zoo.ContinualLoop;
import io.github.dl4jcontinual.zoo.text.BertTextEncoder;
import io.github.dl4jcontinual.zoo.text.TinyBert;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ALTA's mechanics on synthetic 8-d "image features" and the tiny random text tower (no accuracy claim): prompt
 * snapshots, frozen tower constants, the replay buffer, heads' trainable sets, the schedules and input checks.
 */
class AltaLearnerTest {
    static final List<String> NAMES = List.of("cat", "dog", "big cat", "big dog");

    /** 4 classes of 8-d features around random class means; 2 experiences of 2 classes. */
    static Scenario synthetic(int perClass, long seed) {
        Random r = new Random(seed);
        double[][] means = new double[4][8];
        for (double[] m : means) {
            for (int k = 0; k < 8; k++) {
                m[k] = r.nextGaussian();
            }
        }
        int n = 4 * perClass;
        float[] x = new float[n * 8];
        float[] y = new float[n * 4];
        for (int i = 0; i < n; i++) {
            int c = i % 4;
            y[i * 4 + c] = 1;
            for (int k = 0; k < 8; k++) {
                x[i * 8 + k] = (float) (means[c][k] + 0.3 * r.nextGaussian());
            }
        }
        DataSet d = new DataSet(Nd4j.create(x, new long[]{n, 8}), Nd4j.create(y, new long[]{n, 4}));
        return new ClassIncrementalScenario.Builder().train(d).test(d.copy()).numExperiences(2).name("synthetic")
                .build();
    }

    private static AltaConfiguration.Builder small(AltaHead head) {
        return new AltaConfiguration.Builder().head(head).epochs(2).batchSize(16).replayBatchSize(8).bufferSize(20)
                .learningRate(0.05).schedule(AltaConfiguration.Schedule.CONSTANT).adapterReduction(4).scale(10)
                .seed(3);
    }

    @Test
    void snapshotsFreezeOldPromptsAndTheTowerStaysBitIdentical() {
        BertTextEncoder enc = TinyBert.encoder();
        AltaLearner alta = new AltaLearner(small(AltaHead.ALTA).build(), enc, TinyBert.TOKENIZER, NAMES);
        assertEquals(List.of("ctx", "img_adapter_w1", "img_adapter_b1", "img_adapter_w2", "img_adapter_b2"),
                alta.trainableVariables());
        Map<String, float[]> tower = new HashMap<>();
        for (String w : enc.weightNames()) {
            if (alta.graph().hasVariable("tower/" + w)) {
                tower.put(w, alta.graph().getArrForVarName("tower/" + w).dup().data().asFloat());
            }
        }
        Scenario s = synthetic(24, 1);
        INDArray before = alta.learnedText();
        alta.train(s.trainStream().get(0));
        assertTrue(alta.isFrozen(0) && alta.isFrozen(1) && !alta.isFrozen(2) && !alta.isFrozen(3));
        INDArray afterTask0 = alta.learnedText();
        assertTrue(afterTask0.sub(before).amaxNumber().doubleValue() > 1e-5, "prompts did not learn");
        alta.train(s.trainStream().get(1));
        INDArray afterTask1 = alta.learnedText();
        for (int c = 0; c < 2; c++) {   // task 0's class prompts: bit-identical after task 1
            assertTrue(Arrays.equals(afterTask0.getRow(c).dup().data().asFloat(),
                    afterTask1.getRow(c).dup().data().asFloat()), "class " + c + " moved");
        }
        assertTrue(afterTask1.getRow(2).sub(afterTask0.getRow(2)).amaxNumber().doubleValue() > 1e-6);
        for (Map.Entry<String, float[]> e : tower.entrySet()) {
            assertTrue(Arrays.equals(e.getValue(), alta.graph().getArrForVarName("tower/" + e.getKey()).dup().data()
                    .asFloat()), e.getKey() + " changed");
        }
        INDArray z = alta.logits(ContinualLoop.inMemory(s.testStream().get(0)).getFeatures());
        assertEquals(4, z.size(1));
        assertFalse(z.isNaN().any());
    }

    @Test
    void fitGivesClassAndTaskIlMatricesAndTaskIlIsNotWorse() {
        ContinualResult r = new AltaLearner(small(AltaHead.ALTA).build(), TinyBert.encoder(), TinyBert.TOKENIZER,
                NAMES).fit(synthetic(24, 2));
        assertEquals("alta-oritext_mlp2cprompt_oriimg", r.strategy());
        assertEquals(2, r.classIncremental().rows());
        assertTrue(r.taskIncremental().finalAverageAccuracy() >= r.classIncremental().finalAverageAccuracy());
        assertEquals(4 * 24, r.classIncremental().total(0) + r.classIncremental().total(1));
    }

    @Test
    void headsTrainTheirOwnParts() {
        AltaLearner mlp = new AltaLearner(small(AltaHead.MLP).build(), TinyBert.encoder(), TinyBert.TOKENIZER, NAMES);
        assertFalse(mlp.trainableVariables().contains("ctx"));
        assertThrows(IllegalStateException.class, mlp::learnedText);
        AltaLearner sprompt = new AltaLearner(small(AltaHead.SPROMPT).build(), TinyBert.encoder(),
                TinyBert.TOKENIZER, NAMES);
        assertEquals(List.of("ctx"), sprompt.trainableVariables());
        Scenario s = synthetic(16, 4);
        INDArray t0 = sprompt.learnedText();
        sprompt.train(s.trainStream().get(0));
        assertFalse(sprompt.isFrozen(0));   // plain CoOp: no snapshot, old classes keep moving
        sprompt.train(s.trainStream().get(1));
        assertTrue(sprompt.learnedText().getRow(0).sub(t0.getRow(0)).amaxNumber().doubleValue() > 1e-6);
    }

    @Test
    void schedulesAndChecks() {
        AltaConfiguration cos = new AltaConfiguration.Builder().learningRate(0.002).epochs(4).build();
        assertEquals(0.002, cos.learningRate(0), 1e-12);
        assertEquals(0.001, cos.learningRate(2), 1e-12);
        assertEquals(0.002, cos.toBuilder().schedule(AltaConfiguration.Schedule.CONSTANT).build().learningRate(3));
        assertEquals(1e-5, cos.toBuilder().schedule(AltaConfiguration.Schedule.AS_RELEASED).build().learningRate(0));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new AltaConfiguration.Builder().momentum(1))
                .getMessage().contains("got: 1"));
        AltaLearner alta = new AltaLearner(small(AltaHead.RESMLP).build(), TinyBert.encoder(), TinyBert.TOKENIZER,
                NAMES);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> alta.logits(Nd4j.rand(DataType.FLOAT, 2, 5)))
                .getMessage().contains("[2, 5]"));
    }
}
