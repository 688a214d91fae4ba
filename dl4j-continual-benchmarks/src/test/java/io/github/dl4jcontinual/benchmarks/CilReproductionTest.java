package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.cil.WeightAligning;
import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.distillation.DistillationMode;
import io.github.dl4jcontinual.distillation.LwfConfiguration;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.data.MissingDataFileException;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Nesterovs;

import java.io.File;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** reproduce-cil: argument errors, the CIFAR-100 message without data, the old/new split and the table. */
class CilReproductionTest {

    @Test
    void rejectsUnknownMethodsAndTooSmallBicMemory() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CilReproduction.configuration("podnet", 100, 10, 1, false));
        assertTrue(e.getMessage().contains("podnet") && e.getMessage().contains("lucir"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CilReproduction.configuration("bic", 1, 10, 1, false));
        assertTrue(e.getMessage().contains("--per-class"), e.getMessage());
    }

    @Test
    void waKdIsReplayPlusPyCilDistillationPlusAligningAndOptimizerIsChecked() {
        List<PluginConfiguration> p = CilReproduction.configuration("wa-kd", 100, 10, 1, false).getPlugins();
        LwfConfiguration kd = (LwfConfiguration) p.stream().filter(c -> c instanceof LwfConfiguration).findFirst()
                .orElseThrow();
        assertEquals(DistillationMode.OLD_CLASSES_SOFTMAX, kd.getMode());
        assertEquals(2.0, kd.getTemperature());
        assertTrue(kd.isWeightByPreviousExperiences() && !kd.isScaleByTemperatureSquared());
        assertTrue(p.stream().anyMatch(c -> c instanceof WeightAligning), p.toString());
        assertTrue(CilReproduction.updater("sgd") instanceof Nesterovs);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CilReproduction.updater("rmsprop"));
        assertTrue(e.getMessage().contains("rmsprop") && e.getMessage().contains("adam"), e.getMessage());
    }

    @Test
    void cifar100WithoutFilesSaysWhatIsMissing(@TempDir File dir) {
        MissingDataFileException e = assertThrows(MissingDataFileException.class,
                () -> CilReproduction.scenario(DataDirectory.of(dir), "cifar100"));
        assertTrue(e.getMessage().contains("cifar-100-binary/train.bin")
                && e.getMessage().contains("https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz"), e.getMessage());
        IllegalArgumentException u = assertThrows(IllegalArgumentException.class,
                () -> CilReproduction.scenario(DataDirectory.of(dir), "cifar10"));
        assertTrue(u.getMessage().contains("cifar10") && u.getMessage().contains("omniglot"), u.getMessage());
    }

    @Test
    void oldNewPoolsTheOldExperiencesAndTableHasOneRowPerMethod() {
        AccuracyMatrix m = new AccuracyMatrix(new long[][]{{90, -1, -1}, {40, 80, -1}, {50, 30, 95}},
                new long[]{100, 100, 100}, null);
        double[] on = CilReproduction.oldNew(m);
        assertEquals(0.4, on[0], 1e-12);
        assertEquals(0.95, on[1], 1e-12);
        Map<String, CilReproduction.Row> rows = new LinkedHashMap<>();
        CilReproduction.Row r = new CilReproduction.Row();
        r.cnn.add(90.0);
        r.cnn.add(92.0);
        r.oldAcc.add(80.0);
        r.oldAcc.add(82.0);
        r.newAcc.add(99.0);
        r.newAcc.add(97.0);
        r.seconds.add(10L);
        r.seconds.add(12L);
        rows.put("er", r);
        String t = CilReproduction.table("mnist", rows, new long[]{1, 2}, 2000, 100, "--dataset mnist");
        assertTrue(t.contains("| er | 91.00 ± 1.41 | – | 81.00 ± 1.41 | 98.00 ± 1.41 | 17.00 ± 2.83 | 11 |"), t);
        assertTrue(t.contains("`bin/benchmarks reproduce-cil --dataset mnist`"), t);
    }
}
