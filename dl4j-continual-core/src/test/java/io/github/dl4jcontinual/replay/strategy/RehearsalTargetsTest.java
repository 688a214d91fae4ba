package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CI subset of the checked-in targets ({@code der-seq-mnist-targets.csv}): one seed of a few strategies on
 * real Seq-MNIST with the DER protocol (MLP 784-100-100-10, SGD, batch 10, one epoch per experience), each held to
 * its acceptance band. The full grid (≥ 5 seeds) is the examples command {@code rehearsal reproduce}; the
 * {@code long}-tagged test below runs the remaining rows with one seed.
 */
class RehearsalTargetsTest {
    private static Scenario scenario;

    @BeforeAll
    static void load() {
        scenario = new ClassIncrementalScenario.Builder().train(SharedData.mnistTrain()).test(SharedData.mnistTest())
                .numExperiences(5).name("seq-mnist").build();
    }

    static double classIl(DerTargets.Target t, long seed) {
        ContinualConfiguration.Builder b = new ContinualConfiguration.Builder().batchSize(t.batch())
                .epochsPerExperience(1).seed(seed).progress(false);
        if (t.plugin() != null) {
            b.plugin(t.plugin());
        }
        ContinualResult r = ContinualTrainer.wrap(Models.mlp(784, 100, 10, t.lr(), seed), b.build()).fit(scenario);
        double c = 100 * r.classIncremental().finalAverageAccuracy();
        System.out.printf("%s seed %d: class-IL %.2f [%.2f], task-IL %.2f [%.2f]%n", t.key(), seed, c,
                t.publishedClassIl(), 100 * r.taskIncremental().finalAverageAccuracy(), t.publishedTaskIl());
        return c;
    }

    static void check(String key) {
        DerTargets.Target t = DerTargets.get(key);
        double c = classIl(t, 1);
        if (!Double.isNaN(t.minClassIl())) {
            assertTrue(c >= t.minClassIl(), key + ": class-IL " + c + " below " + t.minClassIl());
        }
        if (!Double.isNaN(t.maxClassIl())) {
            assertTrue(c <= t.maxClassIl(), key + ": class-IL " + c + " above " + t.maxClassIl());
        }
    }

    /**
     * Rows whose spread over seeds is small against their band, so one seed can be held to it. A-GEM is not one
     * of them: its seeds span 46.2–59.2 (docs/rehearsal.md) around a band of published ± 5, and seed 1 of the same
     * code gives 46.2 or 52.1 depending on the machine's floating point; it runs in the long-tagged group.
     */
    @ParameterizedTest
    @ValueSource(strings = {"er/500", "der++/500"})
    void ciSubsetMeetsItsBand(String key) {
        check(key);
    }

    @Tag("long")
    @ParameterizedTest
    @ValueSource(strings = {"er/200", "der/500", "der++/200", "der++/5120", "agem/200", "agem/500", "gdumb/500",
        "er-ace/500", "gem/200", "gem/500", "gss/200", "gss/500"})
    void remainingRowsMeetTheirBands(String key) {
        check(key);
    }
}
