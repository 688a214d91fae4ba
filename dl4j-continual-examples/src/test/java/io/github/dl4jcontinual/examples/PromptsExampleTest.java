package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.testutil.SharedData;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Argument checks of the {@code prompts} command's {@code --tower} option (no training). */
class PromptsExampleTest {
    private static String error(String... argv) {
        String[] all = new String[argv.length + 2];
        all[0] = "--data-dir";
        all[1] = SharedData.dir().root().getPath();
        System.arraycopy(argv, 0, all, 2, argv.length);
        return assertThrows(IllegalArgumentException.class, () -> PromptsExample.run(all)).getMessage();
    }

    @Test
    void unknownTowerIsNamedWithTheAcceptedValues() {
        String m = error("--tower", "resnet");
        assertTrue(m.contains("resnet") && m.contains("cnn") && m.contains("vit"), m);
    }

    @Test
    void endToEndMethodsNeedTheCnnTower() {
        for (String method : new String[]{"er", "joint"}) {
            String m = error("--tower", "vit", "--methods", "alta," + method);
            assertTrue(m.contains(method) && m.contains("--tower cnn") && m.contains("--tower vit"), m);
        }
    }
}
