package io.github.dl4jcontinual.scenario;

import io.github.dl4jcontinual.data.ExampleSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

/**
 * Streams for online continual learning, built on the sources' index (nothing is read or copied): experiences
 * are positions in the sources, read when iterated. An online run trains them in one pass with small minibatches
 * and boundary-free plugins ({@code ContinualConfiguration.Builder.boundaryFree(true)}); the cut into experiences
 * only says when the test stream is evaluated.
 *
 * <ul>
 *   <li>{@link #limitTraining}: each training experience of a scenario cut to a seeded random draw of n examples
 *   (MIR's Split-MNIST: 1 000 per task);</li>
 *   <li>{@link #blurry}: the i-Blurry-N-M stream of Koh et al. (ICLR 2022): N % of the classes are disjoint (their
 *   examples arrive in their own experience only), the others blurry, and a fraction M of every blurry class's
 *   training examples is spread uniformly at random over the other experiences; the test stream holds, per
 *   experience, the test examples of the classes whose home it is.</li>
 * </ul>
 */
public final class OnlineStreams {
    private OnlineStreams() {
    }

    /**
     * @param scenario     a scenario
     * @param perExperience training examples kept per experience, &gt; 0 (all of a smaller experience)
     * @param seed         the draw's seed
     * @return the same scenario whose training experience i holds a uniform random draw of
     *         {@code min(perExperience, size_i)} of its examples (drawn with {@code seed + i}); test stream unchanged
     */
    public static Scenario limitTraining(Scenario scenario, int perExperience, long seed) {
        if (perExperience <= 0) {
            throw new IllegalArgumentException("perExperience should be > 0 training examples (got: " + perExperience
                    + ")");
        }
        List<Experience> train = new ArrayList<>();
        for (Experience e : scenario.trainStream()) {
            int n = e.numExamples();
            if (n <= perExperience) {
                train.add(e);
                continue;
            }
            int[] perm = permutation(n, new Random(seed + e.index()));
            train.add(e.subset(Arrays.copyOf(perm, perExperience)));
        }
        return new Scenario(scenario.name() + "-" + perExperience + "-per-experience", scenario.type(),
                new ExperienceStream("train", train), scenario.testStream(), scenario.classOrder(),
                scenario.numClasses(), scenario.sourceLabelWidth(), scenario.classNames());
    }

    /**
     * The i-Blurry-N-M stream (see the class comment). Classes are shuffled with {@code seed}; the first
     * {@code round(disjointFraction · K)} are disjoint, the rest blurry; each group is cut into {@code numExperiences}
     * contiguous blocks, block e having experience e as home. Class ids are relabelled in home order (disjoint classes
     * of an experience first). Exactly {@code round(M · n_c)} of
     * a blurry class's n_c training examples (a seeded random choice) go to experiences other than its home, each to
     * one drawn uniformly among them.
     *
     * @param train            the training examples
     * @param test             the test examples (same classes)
     * @param numExperiences   experiences, in [2, number of classes]
     * @param disjointFraction N / 100: the fraction of classes that are disjoint, in [0, 1]
     * @param blurryFraction   M / 100: the fraction of a blurry class's examples outside its home, in [0, 1)
     * @param seed             the seed of the class split and of the spread
     * @return the scenario (class-incremental, no task ids)
     * @throws IllegalArgumentException naming the value that is out of range
     */
    public static Scenario blurry(ExampleSource train, ExampleSource test, int numExperiences, double disjointFraction,
                                  double blurryFraction, long seed) {
        if (!(disjointFraction >= 0 && disjointFraction <= 1)) {
            throw new IllegalArgumentException("disjointFraction (N/100) should be in [0, 1] (got: " + disjointFraction
                    + ")");
        }
        if (!(blurryFraction >= 0 && blurryFraction < 1)) {
            throw new IllegalArgumentException("blurryFraction (M/100) should be in [0, 1) (got: " + blurryFraction
                    + ")");
        }
        SourceIndex trainIdx = SourceIndex.scan(ScenarioData.require(train, "train"), "train", 0);
        SourceIndex testIdx = SourceIndex.scan(ScenarioData.require(test, "test"), "test", 0);
        ScenarioData.checkSameClasses(trainIdx, testIdx);
        int[] present = trainIdx.present();
        int k = present.length;
        if (numExperiences < 2 || numExperiences > k) {
            throw new IllegalArgumentException("numExperiences should be in [2, " + k + "] (the data has " + k
                    + " classes; got: " + numExperiences + ")");
        }
        Random rng = new Random(seed);
        int[] shuffled = present.clone();
        shuffle(shuffled, rng);
        int nDisjoint = (int) Math.round(disjointFraction * k);
        int[] disjoint = Arrays.copyOfRange(shuffled, 0, nDisjoint);
        int[] blurry = Arrays.copyOfRange(shuffled, nDisjoint, k);
        // relabelled ids in home order: per experience its disjoint block, then its blurry block
        int[] order = new int[k];
        int[] home = new int[trainIdx.labelWidth];
        int next = 0;
        for (int e = 0; e < numExperiences; e++) {
            for (int[] group : new int[][]{block(disjoint, e, numExperiences), block(blurry, e, numExperiences)}) {
                for (int c : group) {
                    order[next++] = c;
                    home[c] = e;
                }
            }
        }
        boolean[] isBlurry = new boolean[trainIdx.labelWidth];
        Arrays.stream(blurry).forEach(c -> isBlurry[c] = true);
        List<List<Integer>> positions = new ArrayList<>();
        for (int e = 0; e < numExperiences; e++) {
            positions.add(new ArrayList<>());
        }
        for (int c : present) {
            int[] pos = trainIdx.positionsOf(new int[]{c});
            int[] perm = permutation(pos.length, rng);
            int minor = isBlurry[c] ? (int) Math.round(blurryFraction * pos.length) : 0;
            for (int i = 0; i < pos.length; i++) {
                int e = home[c];
                if (i < minor) {
                    e = rng.nextInt(numExperiences - 1);
                    e = e >= home[c] ? e + 1 : e;
                }
                positions.get(e).add(pos[perm[i]]);
            }
        }
        int[] relabel = new int[trainIdx.labelWidth];
        for (int i = 0; i < k; i++) {
            relabel[order[i]] = i;
        }
        List<Experience> trainExps = new ArrayList<>();
        List<Experience> testExps = new ArrayList<>();
        TreeSet<Integer> seen = new TreeSet<>();
        for (int e = 0; e < numExperiences; e++) {
            int[] pos = positions.get(e).stream().mapToInt(Integer::intValue).sorted().toArray();
            int[] classes = Arrays.stream(pos).map(p -> relabel[trainIdx.classOf[p]]).distinct().sorted().toArray();
            Arrays.stream(classes).forEach(seen::add);
            int[] homeClasses = homeOf(order, home, e).map(c -> relabel[c]).sorted().toArray();
            if (homeClasses.length == 0) {
                throw new IllegalArgumentException("Experience " + e + " would be home to no class: " + nDisjoint
                        + " disjoint and " + blurry.length + " blurry classes do not both split over " + numExperiences
                        + " experiences; choose fewer experiences or another disjointFraction");
            }
            Arrays.stream(homeClasses).forEach(seen::add);
            int[] seenNow = seen.stream().mapToInt(Integer::intValue).toArray();
            trainExps.add(ScenarioData.experience("train", e, -1, classes, seenNow, trainIdx, pos, null, order,
                    Experience.DEFAULT_SHUFFLE_BUFFER));
            testExps.add(ScenarioData.experience("test", e, -1, homeClasses, seenNow, testIdx,
                    testIdx.positionsOf(ScenarioData.original(homeClasses, order)), null, order,
                    Experience.DEFAULT_SHUFFLE_BUFFER));
        }
        String name = String.format(java.util.Locale.ROOT, "i-blurry-%d-%d", Math.round(100 * disjointFraction),
                Math.round(100 * blurryFraction));
        List<String> names = train.labels().size() == trainIdx.labelWidth ? train.labels() : List.of();
        return new Scenario(name, ScenarioType.CLASS_INCREMENTAL, new ExperienceStream("train", trainExps),
                new ExperienceStream("test", testExps), order, k, trainIdx.labelWidth, names);
    }

    private static java.util.stream.IntStream homeOf(int[] order, int[] home, int e) {
        return Arrays.stream(order).filter(c -> home[c] == e);
    }

    /** Block e of n contiguous blocks of a class list (sizes differ by at most one). */
    private static int[] block(int[] classes, int e, int n) {
        return Arrays.copyOfRange(classes, e * classes.length / n, (e + 1) * classes.length / n);
    }

    private static int[] permutation(int n, Random rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        shuffle(p, rng);
        return p;
    }

    private static void shuffle(int[] a, Random rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
