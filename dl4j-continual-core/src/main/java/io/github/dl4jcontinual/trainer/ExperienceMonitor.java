package io.github.dl4jcontinual.trainer;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The trainer's own DL4J listener for one experience: counts examples and iterations, keeps the last score and
 * prints a progress line (experience, epoch, samples/s, ETA) at most once per second on an interactive console,
 * every 15 s otherwise. Used on the training thread only; not shared between experiences.
 */
final class ExperienceMonitor extends BaseTrainingListener {
    private final int experience;
    private final int numExperiences;
    private final int epochs;
    private final long examplesPerEpoch;
    private final PrintStream out;
    private final boolean interactive;
    private final long start = System.nanoTime();
    private long lastPrint = start;
    private long examples;
    private long iterations;
    private int epochsDone;
    private double lastScore = Double.NaN;

    ExperienceMonitor(int experience, int numExperiences, int epochs, long examplesPerEpoch, PrintStream out) {
        this.experience = experience;
        this.numExperiences = numExperiences;
        this.epochs = epochs;
        this.examplesPerEpoch = examplesPerEpoch;
        this.out = out;
        this.interactive = System.console() != null;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        examples += model.batchSize();
        iterations++;
        lastScore = model.score();
        if (out != null) {
            long now = System.nanoTime();
            if (now - lastPrint > (interactive ? 1_000_000_000L : 15_000_000_000L)) {
                lastPrint = now;
                print(now, false);
            }
        }
    }

    @Override
    public void onEpochEnd(Model model) {
        epochsDone++;
    }

    /** Prints the final line of the experience. */
    void finish() {
        if (out != null) {
            print(System.nanoTime(), true);
        }
    }

    private void print(long now, boolean last) {
        double secs = (now - start) / 1e9;
        double rate = secs > 0 ? examples / secs : 0;
        long todo = Math.max(0, examplesPerEpoch * epochs - examples);
        String eta = rate > 0 && !last ? String.format(Locale.ROOT, "ETA %.0fs", todo / rate) : "done";
        String line = String.format(Locale.ROOT, "experience %d/%d | epoch %d/%d | %d samples | %.0f samples/s | "
                        + "loss %.4f | %s", experience + 1, numExperiences, Math.min(epochsDone + (last ? 0 : 1), epochs),
                epochs, examples, rate, lastScore, eta);
        if (interactive) {
            out.print("\r" + line + (last ? "\n" : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    long examples() {
        return examples;
    }

    long iterations() {
        return iterations;
    }

    int epochsDone() {
        return epochsDone;
    }

    double lastScore() {
        return lastScore;
    }
}
