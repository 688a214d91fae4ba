package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.data.DelegatingMultiDataSetIterator;
import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.model.ContinualModel;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The trainer's view of one experience's training data: it serves the (plugin-adapted) iterator's minibatches
 * unchanged while counting examples, minibatches and completed passes, and prints a progress line (experience,
 * epoch, samples/s, ETA, last loss) at most once per second on an interactive console, once a minute otherwise
 * (a log file), and the experience's last line in both cases.
 * Counting at the data rather than in a listener works for every kind of model and training step. Not
 * asynchronous; used on the training thread only, one per experience.
 */
final class ExperienceMonitor extends DelegatingMultiDataSetIterator {
    private static final long serialVersionUID = 1L;
    private final transient ContinualModel model;
    private final int experience;
    private final int numExperiences;
    private final int epochs;
    private final long examplesPerEpoch;
    private final transient PrintStream out;
    private final boolean interactive;
    private final long start = System.nanoTime();
    private final int iterationsBefore;
    private long lastPrint = start;
    private long examples;
    private long batches;
    private int passes;
    private boolean inPass;

    ExperienceMonitor(MultiDataSetIterator data, ContinualModel model, int experience, int numExperiences, int epochs,
                      long examplesPerEpoch, PrintStream out) {
        super(data);
        this.model = model;
        this.experience = experience;
        this.numExperiences = numExperiences;
        this.epochs = epochs;
        this.examplesPerEpoch = examplesPerEpoch;
        this.out = out;
        this.interactive = System.console() != null;
        this.iterationsBefore = model.iterationCount();
    }

    @Override
    public MultiDataSet next(int num) {
        return count(data.next(num));
    }

    @Override
    public MultiDataSet next() {
        return count(data.next());
    }

    private MultiDataSet count(MultiDataSet ds) {
        inPass = true;
        examples += Batches.size(ds);
        batches++;
        if (out != null) {
            long now = System.nanoTime();
            if (now - lastPrint > (interactive ? 1_000_000_000L : 60_000_000_000L)) {
                lastPrint = now;
                print(now, false);
            }
        }
        return ds;
    }

    @Override
    public boolean hasNext() {
        boolean has = data.hasNext();
        if (!has && inPass) {
            passes++;
            inPass = false;
        }
        return has;
    }

    @Override
    public void reset() {
        if (inPass) {
            passes++;
            inPass = false;
        }
        data.reset();
    }

    /** Prints the final line of the experience. */
    void finish() {
        if (inPass) {
            passes++;
            inPass = false;
        }
        if (out != null) {
            print(System.nanoTime(), true);
        }
    }

    private void print(long now, boolean last) {
        double secs = (now - start) / 1e9;
        double rate = secs > 0 ? examples / secs : 0;
        long todo = Math.max(0, examplesPerEpoch * epochs - examples);
        String eta = rate > 0 && !last ? String.format(Locale.ROOT, "ETA %.0fs", todo / rate) : "done";
        String line = String.format(Locale.ROOT, "experience %d/%s | epoch %d/%d | %d samples | %.0f samples/s | "
                        + "loss %.4f | %s", experience + 1, numExperiences < 0 ? "?" : Integer.toString(numExperiences),
                Math.min(passes + (last ? 0 : 1), epochs), epochs, examples, rate, model.lastScore(), eta);
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

    /** @return parameter updates since the monitor was made (the model's iteration count) */
    long iterations() {
        return model.iterationCount() - iterationsBefore;
    }

    long batches() {
        return batches;
    }

    int epochsDone() {
        return passes;
    }
}
