package io.github.dl4jcontinual.ui;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;

import java.io.File;
import java.util.Objects;

/**
 * Records a continual run for the standard DL4J training UI: adds DL4J's {@link StatsListener}, writing to a
 * {@link FileStatsStorage}, to the network's listeners. The continual trainer keeps the listeners a user set on the
 * network for every experience (also when an expanding head replaces the output layer), so the whole run lands in
 * one session. Open the file afterwards with {@link UiServer} ({@code bin/continual-ui FILE}) or, in your own code,
 * {@code UIServer.getInstance().attach(new FileStatsStorage(file))}.
 *
 * <pre>{@code
 * FileStatsStorage stats = ContinualStats.attach(net, new File("results/run1/ui-stats.bin"));
 * ContinualResult result = ContinualTrainer.wrap(net, conf).fit(scenario);
 * stats.close();
 * }</pre>
 */
public final class ContinualStats {
    private ContinualStats() {
    }

    /**
     * Attaches a {@link StatsListener} that reports every iteration, in a new session.
     *
     * @param net  the network (MultiLayerNetwork or ComputationGraph) about to be wrapped by a continual trainer
     * @param file the storage file (created, or appended to when it exists)
     * @return the open storage; close it when the run is over
     */
    public static FileStatsStorage attach(Model net, File file) {
        return attach(net, file, 1, null);
    }

    /**
     * @param net       the network (MultiLayerNetwork or ComputationGraph)
     * @param file      the storage file (created, or appended to when it exists)
     * @param frequency report every this many iterations (DL4J's {@code listenerFrequency}), at least 1
     * @param sessionId the UI session's id, or null for a random one
     * @return the open storage; close it when the run is over
     * @throws IllegalArgumentException if frequency is less than 1
     */
    public static FileStatsStorage attach(Model net, File file, int frequency, String sessionId) {
        Objects.requireNonNull(net, "net");
        if (frequency < 1) {
            throw new IllegalArgumentException("frequency should be at least 1 (got: " + frequency + ")");
        }
        File parent = file.getAbsoluteFile().getParentFile();
        if (parent != null && !parent.isDirectory() && !parent.mkdirs()) {
            throw new IllegalStateException("Cannot create the directory " + parent);
        }
        FileStatsStorage storage = new FileStatsStorage(file);
        net.addListeners(new StatsListener(storage, frequency, sessionId));
        return storage;
    }
}
