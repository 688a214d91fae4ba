package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.testutil.SharedData;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Argument checks of the {@code prompts} command (no training). */
class PromptsExampleTest {
    private static String error(String... argv) {
        String[] all = new String[argv.length + 2];
        all[0] = "--data-dir";
        all[1] = SharedData.dir().root().getPath();
        System.arraycopy(argv, 0, all, 2, argv.length);
        return assertThrows(IllegalArgumentException.class, () -> PromptsExample.run(all)).getMessage();
    }

    @Test
    void altaMethodsAreSentToTheAltaCommand() {
        for (String method : new String[]{"alta", "er", "joint", "cprompt"}) {
            String m = error("--methods", "l2p," + method);
            assertTrue(m.contains("--methods " + method) && m.contains("alta command"), m);
        }
    }

    @Test
    void unknownDatasetIsNamedWithTheAcceptedValues() {
        String m = error("--dataset", "cifar");
        assertTrue(m.contains("cifar") && m.contains("fashion") && m.contains("mnist"), m);
    }

    @Test
    void theRemovedTowerOptionIsRefused() {
        RuntimeException e = assertThrows(RuntimeException.class, () -> PromptsExample.run(new String[]{"--tower", "vit"}));
        assertTrue(e.getMessage().contains("tower"), e.getMessage());
    }
}
