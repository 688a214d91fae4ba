package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.data.OmniglotDatasets;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.zoo.ctp.CtpConfiguration;
import io.github.dl4jcontinual.zoo.ctp.CtpPlugin;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.plugin.impl.JointTraining;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.selection.HerdingSelection;
import io.github.dl4jcontinual.replay.selection.KMeansSelection;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CtpExampleTest {

    @Test
    void commandIsRegisteredAndRejectsBadWeights() {
        assertTrue(BenchmarksMain.commandLine().getSubcommands().containsKey("ctp"));
        String err = Cli.error("ctp", "--ctp-weights", "1,2");
        assertTrue(err.contains("--ctp-weights") && err.contains("5 comma-separated weights"), err);
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
        String err = Cli.error("ctp", "--image-pretrain", "imagenet");
        assertTrue(err.contains("'--image-pretrain': 'imagenet', expected one of none, omniglot"), err);
    }

    @Test
    void rejectsAnUnknownStreamAndStreamWithPairs() {
        String err = Cli.error("ctp", "--stream", "cifar");
        assertTrue(err.contains("'--stream': 'cifar', expected one of mnist-fashion, omniglot"), err);
        err = Cli.error("ctp", "--stream", "omniglot", "--pairs", "some-dir");
        assertTrue(err.contains("--stream and --pairs exclude each other"), err);
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
    void anUnknownMethodIsRefusedNamingTheMethods() {
        String err = Cli.error("ctp", "--data-dir", SharedData.dir().root().toString(), "--methods", "gem",
                "--train-per-domain", "10", "--test-per-domain", "10");
        assertTrue(err.contains("'--methods': 'gem', expected all or comma-separated names among seqf, joint, ewc, "
                + "mas, rwalk, lwf, er, mof, kmeans, icarl, lucir, ctp, ctp_er"), err);
    }

    @Test
    void theSixPortedBaselinesAreTheirPlugins() {
        CtpExample a = new CtpExample();
        ContinualConfiguration joint = a.trainer("joint", 1);
        assertTrue(joint.getPlugins().get(0) instanceof JointTraining, "joint: core's JointTraining first");
        assertEquals("dual-encoder", joint.getPlugins().get(1).name());
        CtpConfiguration lwf = (CtpConfiguration) a.trainer("lwf", 1).getPlugins().get(0);
        assertEquals(1.0, lwf.getLwf());
        assertEquals(1, a.trainer("lwf", 1).getPlugins().size(), "lwf keeps no memory");
        for (String m : List.of("mof", "kmeans", "icarl", "lucir")) {
            List<PluginConfiguration> ps = a.trainer(m, 1).getPlugins();
            CtpConfiguration c = (CtpConfiguration) ps.get(0);
            assertEquals(m.equals("icarl") ? 1.0 : 0.0, c.getLwf(), m);
            assertEquals(m.equals("lucir") ? 1.0 : 0.0, c.getFeatureDistillation(), m);
            assertEquals(m.equals("lucir"), c.isCosineProjections(), m);
            BufferConfiguration b = ((ExperienceReplay) ps.get(1)).getBuffer();
            assertEquals(BufferConfiguration.Type.EXPERIENCE_BALANCED, b.getType(), m);
            assertEquals(200, b.getCapacity(), m);
            assertEquals(CtpPlugin.IMG_PROJ, b.getSelection().layer(), m);
            assertEquals(m.equals("kmeans") ? KMeansSelection.class : HerdingSelection.class,
                    b.getSelection().getClass(), m);
            assertEquals(6, ((ExperienceReplay) ps.get(1)).getReplayBatch(), m);
        }
    }

    @Test
    void theSixPortedBaselinesRunAtTinyScale(@TempDir Path dir) throws Exception {
        Path table = dir.resolve("table.md");
        BenchmarksMain.run(new String[]{"ctp", "--data-dir", SharedData.dir().root().toString(), "--methods",
                "joint,lwf,mof,kmeans,icarl,lucir", "--train-per-domain", "40", "--test-per-domain", "20", "--epochs", "1",
                "--seeds", "1", "--quiet", "--out", dir.toString(), "--markdown", table.toString()});
        String t = Files.readString(table);
        for (String m : List.of("joint", "lwf", "mof", "kmeans", "icarl", "lucir")) {
            assertTrue(t.contains("| " + m + " | 1 | "), t);
            assertTrue(Files.exists(dir.resolve(m + "-seed1.csv")), m);
        }
        String joint = t.lines().filter(l -> l.startsWith("| joint |")).findFirst().orElseThrow();
        assertEquals(3, joint.split("\\| – ", -1).length - 1, "joint has no forgetting, BWT or eval.py BWT: " + joint);
        String lwf = t.lines().filter(l -> l.startsWith("| lwf |")).findFirst().orElseThrow();
        assertTrue(!lwf.contains("–"), lwf);
    }
}
