package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.data.OmniglotDatasets;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.zoo.ctp.CtpConfiguration;
import io.github.dl4jcontinual.zoo.ctp.CtpPlugin;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CtpExampleTest {

    @Test
    void commandIsRegisteredAndRejectsBadWeights() {
        assertTrue(ExamplesMain.COMMANDS.containsKey("ctp"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CtpExample.run(new String[]{"--ctp-weights", "1,2"}));
        assertTrue(e.getMessage().contains("needs 5 comma-separated weights"), e.getMessage());
    }

    @Test
    void tableShowsMeanAndSampleSdOverSeeds() {
        Map<String, List<double[]>> rows = new LinkedHashMap<>();
        rows.put("ctp", List.of(new double[]{0.5, 0.1, 0.2, 0.3, -0.3, 10, 0.25, 0.4},
                new double[]{0.7, 0.1, 0.2, Double.NaN, Double.NaN, 20, Double.NaN, 0.6}));
        String t = CtpExample.table(rows, List.of("digits"));
        assertTrue(t.contains("| ctp | 2 | 60.00 ± 14.14 | 10.00 ± 0.00 | 20.00 ± 0.00 | 30.00 ± 0.00 | -30.00 ± 0.00 "
                + "| 25.00 ± 0.00 | 50.00 ± 14.14 | 15.00 ± 7.07 |"), t);
        assertTrue(t.contains("| BWT | BWT (eval.py) | R_m digits |"), t);
        assertTrue(t.startsWith("| method | seeds | final R_m % |"), t);
    }

    @Test
    void rejectsAnUnknownImagePretraining() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CtpExample.run(new String[]{"--image-pretrain", "imagenet"}));
        assertTrue(e.getMessage().contains("--image-pretrain should be none or omniglot (got: imagenet)"), e.getMessage());
    }

    @Test
    void rejectsAnUnknownStreamAndStreamWithPairs() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CtpExample.run(new String[]{"--stream", "cifar"}));
        assertTrue(e.getMessage().contains("--stream should be mnist-fashion or omniglot (got: cifar)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CtpExample.run(new String[]{"--stream", "omniglot", "--pairs", "some-dir"}));
        assertTrue(e.getMessage().contains("--stream and --pairs exclude each other"), e.getMessage());
    }

    @Test
    void omniglotPretrainingLearnsCharactersAndGivesATower() {
        DataSet[] d = OmniglotDatasets.load(SharedData.dir(), OmniglotPretraining.CLASSES,
                OmniglotPretraining.TRAIN_PER_CLASS, 28, 0);
        assertTrue(d[0].getFeatures().meanNumber().doubleValue() < 0.3, "ink is bright on a dark background");
        OmniglotPretraining.Result r = OmniglotPretraining.pretrain(d[0], d[1], 3, 1);
        // 242 classes: chance is 0.4 %
        assertTrue(r.heldOutAccuracy > 0.05, "held-out accuracy " + r.heldOutAccuracy);
        // the pretrained classifier becomes CTP's image tower (its hidden layer; the head is replaced)
        ComputationGraph g = CtpPlugin.assemble(r.net.toComputationGraph(), r.net.toComputationGraph()
                .getConfiguration().getNetworkOutputs().get(0), new CtpConfiguration.Builder().build(), 384, 3);
        assertTrue(CtpPlugin.isAssembled(g));
        assertEquals(3, g.getConfiguration().getNetworkInputs().size());
        assertEquals(r.net.getLayer(0).params(), g.getLayer(0).params(), "the pretrained hidden layer is copied");
    }

    @Test
    void methodsNotPortedAreRefusedNamingThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CtpExample.run(new String[]{"--data-dir", SharedData.dir().root().toString(), "--methods", "lucir",
                        "--train-per-domain", "10", "--test-per-domain", "10"}));
        assertTrue(e.getMessage().contains("lucir is not one of [seqf, ewc, mas, rwalk, er, ctp, ctp_er]"),
                e.getMessage());
    }
}
