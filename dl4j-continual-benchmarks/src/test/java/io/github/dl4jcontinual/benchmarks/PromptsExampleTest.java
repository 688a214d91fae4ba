package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.testutil.SharedData;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Argument checks of the {@code prompts} command (no training). */
class PromptsExampleTest {
    private static String error(String... argv) {
        String[] all = new String[argv.length + 3];
        all[0] = "prompts";
        all[1] = "--data-dir";
        all[2] = SharedData.dir().root().getPath();
        System.arraycopy(argv, 0, all, 3, argv.length);
        return Cli.error(all);
    }

    @Test
    void altaMethodsAreSentToTheAltaCommand() {
        for (String method : new String[]{"alta", "er", "joint", "cprompt"}) {
            String m = error("--methods", "l2p," + method);
            assertTrue(m.contains("'--methods': '" + method + "'") && m.contains("alta command"), m);
        }
    }

    @Test
    void unknownDatasetIsNamedWithTheAcceptedValues() {
        String m = error("--dataset", "cifar");
        assertTrue(m.contains("cifar") && m.contains("fashion") && m.contains("mnist"), m);
    }

    @Test
    void theRemovedTowerOptionIsRefused() {
        String m = Cli.error("prompts", "--tower", "vit");
        assertTrue(m.contains("--tower"), m);
    }
}
