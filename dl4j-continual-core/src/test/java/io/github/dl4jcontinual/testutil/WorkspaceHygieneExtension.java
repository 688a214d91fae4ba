package io.github.dl4jcontinual.testutil;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Fails a test that leaves an ND4J workspace open on the test thread (after each test, and after a class's
 * {@code @AfterAll}). The open workspaces are closed and destroyed first, so that one leak does not fail the
 * tests after it. Registered for every module's tests through {@code META-INF/services} and
 * {@code junit.jupiter.extensions.autodetection.enabled=true} in the core test-jar's
 * {@code junit-platform.properties}.
 */
public final class WorkspaceHygieneExtension implements AfterEachCallback, AfterAllCallback {

    @Override
    public void afterEach(ExtensionContext context) {
        check();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        check();
    }

    /**
     * @throws AssertionError naming the workspaces left open on this thread (which are then closed)
     */
    public static void check() {
        if (!Nd4j.getWorkspaceManager().anyWorkspaceActiveForCurrentThread()) {
            return;
        }
        List<MemoryWorkspace> open = Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread().stream()
                .filter(MemoryWorkspace::isScopeActive).collect(Collectors.toList());
        String names = open.stream().map(MemoryWorkspace::getId).collect(Collectors.joining(", "));
        for (MemoryWorkspace ws : open) {
            while (ws.isScopeActive()) {
                ws.close();
            }
        }
        Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
        throw new AssertionError("ND4J workspace(s) left open on thread " + Thread.currentThread().getName()
                + ": [" + names + "]; expected none after the test (close every workspace you open)");
    }
}
