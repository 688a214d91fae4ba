package io.github.dl4jcontinual.ui;

import org.deeplearning4j.ui.api.UIServer;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;

import java.io.File;

/**
 * Opens stats files written through {@link ContinualStats} in DL4J's training UI ({@code UIServer}, Vert.x):
 * {@code bin/continual-ui results/run1/ui-stats.bin}, then browse {@code http://localhost:9000/train/overview}. The
 * port is DL4J's system property {@code org.deeplearning4j.ui.port}. Runs until the process is stopped. Needs the
 * optional {@code deeplearning4j-ui} dependency on the class path.
 */
public final class UiServer {
    private UiServer() {
    }

    /**
     * @param args one or more stats files
     * @throws IllegalArgumentException if no file is given or a file does not exist
     */
    public static void main(String[] args) {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: UiServer STATS_FILE [STATS_FILE...]");
        }
        UIServer ui = UIServer.getInstance();
        for (String a : args) {
            File f = new File(a);
            if (!f.isFile()) {
                throw new IllegalArgumentException("No stats file " + f.getAbsolutePath());
            }
            ui.attach(new FileStatsStorage(f));
        }
        System.out.println("DL4J training UI: http://localhost:" + ui.getPort() + "/train/overview (Ctrl-C to stop)");
    }
}
