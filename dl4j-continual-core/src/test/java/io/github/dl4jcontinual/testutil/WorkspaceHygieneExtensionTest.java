package io.github.dl4jcontinual.testutil;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hygiene check fails on a leaked workspace, names it, and cleans up; it is registered automatically. */
class WorkspaceHygieneExtensionTest {

    @Test
    void aLeakedWorkspaceFailsTheCheckAndIsClosed() {
        MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(
                WorkspaceConfiguration.builder().initialSize(1024).build(), "LEAK_TEST");
        assertTrue(ws.isScopeActive());
        AssertionError e = assertThrows(AssertionError.class, WorkspaceHygieneExtension::check);
        assertTrue(e.getMessage().contains("LEAK_TEST"), e.getMessage());
        assertFalse(Nd4j.getWorkspaceManager().anyWorkspaceActiveForCurrentThread());
        assertDoesNotThrow(WorkspaceHygieneExtension::check);
    }

    @Test
    void theExtensionIsAutoDetected() throws Exception {
        assertTrue(Boolean.parseBoolean(new java.util.Properties() {{
            load(WorkspaceHygieneExtensionTest.class.getResourceAsStream("/junit-platform.properties"));
        }}.getProperty("junit.jupiter.extensions.autodetection.enabled")));
        assertTrue(java.util.ServiceLoader.load(org.junit.jupiter.api.extension.Extension.class).stream()
                .anyMatch(p -> p.type() == WorkspaceHygieneExtension.class));
    }
}
