package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.zoo.ctp.VlMethod;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        Map<VlMethod, List<double[]>> rows = new LinkedHashMap<>();
        rows.put(VlMethod.CTP, List.of(new double[]{0.5, 0.1, 0.2, 0.3, -0.3, 10, 0.25, 0.4},
                new double[]{0.7, 0.1, 0.2, Double.NaN, Double.NaN, 20, Double.NaN, 0.6}));
        String t = CtpExample.table(rows, List.of("digits"));
        assertTrue(t.contains("| ctp | 2 | 60.00 ± 14.14 | 10.00 ± 0.00 | 20.00 ± 0.00 | 30.00 ± 0.00 | -30.00 ± 0.00 "
                + "| 25.00 ± 0.00 | 50.00 ± 14.14 | 15.00 ± 7.07 |"), t);
        assertTrue(t.contains("| BWT | BWT (eval.py) | R_m digits |"), t);
        assertTrue(t.startsWith("| method | seeds | final R_m % |"), t);
    }
}
