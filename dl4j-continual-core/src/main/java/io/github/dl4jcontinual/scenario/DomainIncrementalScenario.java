package io.github.dl4jcontinual.scenario;

import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Domain-incremental scenarios: every experience has all classes; the input distribution changes.
 *
 * <ul>
 *   <li>{@link #permuted}: each experience applies its own random pixel permutation (Permuted MNIST);</li>
 *   <li>{@link #rotated}: each experience rotates the images by its own angle (Rotated MNIST);</li>
 *   <li>{@link #newInstances}: the training set is split at random into disjoint chunks of all classes
 *       (the test stream is one experience holding the whole test set).</li>
 * </ul>
 * The transforms are applied per minibatch, so no experience holds a transformed copy of the data.
 */
public final class DomainIncrementalScenario {
    private DomainIncrementalScenario() {
    }

    /**
     * Permuted-input scenario (Mammoth's P-MNIST: every experience, the first too, has a random permutation).
     *
     * @param train          training data (2-d features)
     * @param test           test data
     * @param numExperiences number of permutations
     * @param seed           seed of the permutations
     * @return the scenario
     */
    public static Scenario permuted(DataSet train, DataSet test, int numExperiences, long seed) {
        checkN(numExperiences);
        int d = (int) train.getFeatures().size(1);
        Random r = new Random(seed);
        List<DataSetPreProcessor> transforms = new ArrayList<>();
        for (int e = 0; e < numExperiences; e++) {
            transforms.add(PixelPermutation.random(d, r.nextLong()));
        }
        return transformed("permuted", train, test, transforms);
    }

    /**
     * Rotated-input scenario with one angle per experience drawn uniformly from [0, 180) (Mammoth's R-MNIST).
     *
     * @param train          training data, features [n, channels*height*width]
     * @param test           test data
     * @param numExperiences number of angles
     * @param seed           seed of the angles
     * @param channels       image channels
     * @param height         image height
     * @param width          image width
     * @return the scenario
     */
    public static Scenario rotated(DataSet train, DataSet test, int numExperiences, long seed, int channels,
                                   int height, int width) {
        checkN(numExperiences);
        Random r = new Random(seed);
        double[] angles = new double[numExperiences];
        for (int e = 0; e < numExperiences; e++) {
            angles[e] = r.nextDouble() * 180.0;
        }
        return rotated(train, test, angles, channels, height, width);
    }

    /**
     * Rotated-input scenario with given angles.
     *
     * @param train    training data
     * @param test     test data
     * @param degrees  one angle per experience
     * @param channels image channels
     * @param height   image height
     * @param width    image width
     * @return the scenario
     */
    public static Scenario rotated(DataSet train, DataSet test, double[] degrees, int channels, int height,
                                   int width) {
        checkN(degrees.length);
        List<DataSetPreProcessor> transforms = new ArrayList<>();
        for (double a : degrees) {
            transforms.add(new ImageRotation(a, channels, height, width));
        }
        return transformed("rotated", train, test, transforms);
    }

    /**
     * New-instances scenario: the training examples are shuffled and split into {@code numExperiences}
     * disjoint chunks of (almost) equal size; every class may appear in every chunk.
     *
     * @param train          training data
     * @param test           test data (one test experience)
     * @param numExperiences number of chunks
     * @param seed           seed of the shuffle
     * @return the scenario
     */
    public static Scenario newInstances(DataSet train, DataSet test, int numExperiences, long seed) {
        checkN(numExperiences);
        ScenarioData.requireSource(train, "train");
        ScenarioData.requireSource(test, "test");
        int n = train.numExamples();
        if (numExperiences > n) {
            throw new IllegalArgumentException("numExperiences (" + numExperiences + ") is larger than the number of "
                    + "training examples (" + n + ")");
        }
        int[] trainIds = ScenarioData.ids(train);
        int[] all = ScenarioData.present(trainIds);
        ScenarioData.checkSameClasses(all, ScenarioData.present(ScenarioData.ids(test)), train.getLabels().size(1),
                test.getLabels().size(1));
        int[] idx = ScenarioData.range(0, n);
        Random r = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        DataSet trainR = ScenarioData.relabel(train, all);
        DataSet testR = ScenarioData.relabel(test, all);
        int[] classes = ScenarioData.range(0, all.length);
        List<Experience> exps = new ArrayList<>();
        for (int e = 0; e < numExperiences; e++) {
            int from = (int) ((long) n * e / numExperiences);
            int to = (int) ((long) n * (e + 1) / numExperiences);
            exps.add(ScenarioData.experience("train", e, -1, classes, classes,
                    ScenarioData.rows(trainR, java.util.Arrays.copyOfRange(idx, from, to)), null));
        }
        List<Experience> testExps = List.of(ScenarioData.experience("test", 0, -1, classes, classes, testR, null));
        return new Scenario("new-instances", ScenarioType.DOMAIN_INCREMENTAL, new ExperienceStream("train", exps),
                new ExperienceStream("test", testExps), all, all.length);
    }

    private static Scenario transformed(String name, DataSet train, DataSet test, List<DataSetPreProcessor> ts) {
        ScenarioData.requireSource(train, "train");
        ScenarioData.requireSource(test, "test");
        int[] all = ScenarioData.present(ScenarioData.ids(train));
        ScenarioData.checkSameClasses(all, ScenarioData.present(ScenarioData.ids(test)), train.getLabels().size(1),
                test.getLabels().size(1));
        DataSet trainR = ScenarioData.relabel(train, all);
        DataSet testR = ScenarioData.relabel(test, all);
        int[] classes = ScenarioData.range(0, all.length);
        List<Experience> trainExps = new ArrayList<>();
        List<Experience> testExps = new ArrayList<>();
        for (int e = 0; e < ts.size(); e++) {
            trainExps.add(ScenarioData.experience("train", e, -1, classes, classes, trainR, ts.get(e)));
            testExps.add(ScenarioData.experience("test", e, -1, classes, classes, testR, ts.get(e)));
        }
        return new Scenario(name, ScenarioType.DOMAIN_INCREMENTAL, new ExperienceStream("train", trainExps),
                new ExperienceStream("test", testExps), all, all.length);
    }

    private static void checkN(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("numExperiences should be > 0 (got: " + n + ")");
        }
    }
}
