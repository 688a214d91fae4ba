package io.github.dl4jcontinual.scenario;

import io.github.dl4jcontinual.data.ExampleSource;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;

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
 * Sources are indexed once and read whenever an experience is iterated; the transforms are applied per minibatch
 * (to the first input), so no experience holds a transformed copy of the data.
 */
public final class DomainIncrementalScenario {
    private DomainIncrementalScenario() {
    }

    /**
     * Permuted-input scenario (Mammoth's P-MNIST: every experience, the first too, has a random permutation).
     *
     * @param train          training data
     * @param test           test data
     * @param numExperiences number of permutations
     * @param seed           seed of the permutations
     * @return the scenario
     */
    public static Scenario permuted(DataSet train, DataSet test, int numExperiences, long seed) {
        return permuted(ExampleSource.of(train), ExampleSource.of(test), numExperiences, seed);
    }

    /**
     * Permuted-input scenario over any sources (the permutation covers every value of an example of input 0).
     *
     * @param train          training source
     * @param test           test source
     * @param numExperiences number of permutations
     * @param seed           seed of the permutations
     * @return the scenario
     */
    public static Scenario permuted(ExampleSource train, ExampleSource test, int numExperiences, long seed) {
        checkN(numExperiences);
        SourceIndex trainIdx = SourceIndex.scan(ScenarioData.require(train, "train"), "train", 0);
        long d = 1;
        for (long v : trainIdx.exampleShape[0]) {
            d *= v;
        }
        if (d <= 0) {
            throw new IllegalArgumentException("A permuted scenario needs examples of one fixed shape (got "
                    + java.util.Arrays.toString(trainIdx.exampleShape[0]) + ")");
        }
        Random r = new Random(seed);
        List<MultiDataSetPreProcessor> transforms = new ArrayList<>();
        for (int e = 0; e < numExperiences; e++) {
            transforms.add(PixelPermutation.random((int) d, r.nextLong()));
        }
        return transformed("permuted", trainIdx, test, transforms);
    }

    /**
     * Rotated-input scenario with one angle per experience drawn uniformly from [0, 180) (Mammoth's R-MNIST).
     *
     * @param train          training data, features [n, channels*height*width] or [n, channels, height, width]
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
        return rotated(ExampleSource.of(train), ExampleSource.of(test), degrees, channels, height, width);
    }

    /**
     * Rotated-input scenario with given angles over any sources.
     *
     * @param train    training source
     * @param test     test source
     * @param degrees  one angle per experience
     * @param channels image channels
     * @param height   image height
     * @param width    image width
     * @return the scenario
     */
    public static Scenario rotated(ExampleSource train, ExampleSource test, double[] degrees, int channels,
                                   int height, int width) {
        checkN(degrees.length);
        List<MultiDataSetPreProcessor> transforms = new ArrayList<>();
        for (double a : degrees) {
            transforms.add(new ImageRotation(a, channels, height, width));
        }
        return transformed("rotated", SourceIndex.scan(ScenarioData.require(train, "train"), "train", 0), test,
                transforms);
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
        return newInstances(ExampleSource.of(train), ExampleSource.of(test), numExperiences, seed);
    }

    /**
     * New-instances scenario over any sources.
     *
     * @param train          training source
     * @param test           test source (one test experience)
     * @param numExperiences number of chunks
     * @param seed           seed of the shuffle
     * @return the scenario
     */
    public static Scenario newInstances(ExampleSource train, ExampleSource test, int numExperiences, long seed) {
        checkN(numExperiences);
        SourceIndex trainIdx = SourceIndex.scan(ScenarioData.require(train, "train"), "train", 0);
        SourceIndex testIdx = SourceIndex.scan(ScenarioData.require(test, "test"), "test", 0);
        int n = trainIdx.size();
        if (numExperiences > n) {
            throw new IllegalArgumentException("numExperiences (" + numExperiences + ") is larger than the number of "
                    + "training examples (" + n + ")");
        }
        ScenarioData.checkSameClasses(trainIdx, testIdx);
        int[] all = trainIdx.present();
        int[] idx = ScenarioData.range(0, n);
        Random r = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        int[] classes = ScenarioData.range(0, all.length);
        int buffer = Experience.DEFAULT_SHUFFLE_BUFFER;
        List<Experience> exps = new ArrayList<>();
        for (int e = 0; e < numExperiences; e++) {
            int from = (int) ((long) n * e / numExperiences);
            int to = (int) ((long) n * (e + 1) / numExperiences);
            int[] chunk = java.util.Arrays.copyOfRange(idx, from, to);
            java.util.Arrays.sort(chunk);
            exps.add(ScenarioData.experience("train", e, -1, classes, classes, trainIdx, chunk, null, all, buffer));
        }
        List<Experience> testExps = List.of(ScenarioData.experience("test", 0, -1, classes, classes, testIdx,
                testIdx.positionsOf(all), null, all, buffer));
        return new Scenario("new-instances", ScenarioType.DOMAIN_INCREMENTAL, new ExperienceStream("train", exps),
                new ExperienceStream("test", testExps), all, all.length,
                trainIdx.labelWidth);
    }

    private static Scenario transformed(String name, SourceIndex trainIdx, ExampleSource test,
                                        List<MultiDataSetPreProcessor> ts) {
        SourceIndex testIdx = SourceIndex.scan(ScenarioData.require(test, "test"), "test", 0);
        ScenarioData.checkSameClasses(trainIdx, testIdx);
        int[] all = trainIdx.present();
        int[] classes = ScenarioData.range(0, all.length);
        int[] trainPos = trainIdx.positionsOf(all);
        int[] testPos = testIdx.positionsOf(all);
        int buffer = Experience.DEFAULT_SHUFFLE_BUFFER;
        List<Experience> trainExps = new ArrayList<>();
        List<Experience> testExps = new ArrayList<>();
        for (int e = 0; e < ts.size(); e++) {
            trainExps.add(ScenarioData.experience("train", e, -1, classes, classes, trainIdx, trainPos, ts.get(e), all,
                    buffer));
            testExps.add(ScenarioData.experience("test", e, -1, classes, classes, testIdx, testPos, ts.get(e), all,
                    buffer));
        }
        return new Scenario(name, ScenarioType.DOMAIN_INCREMENTAL, new ExperienceStream("train", trainExps),
                new ExperienceStream("test", testExps), all, all.length,
                trainIdx.labelWidth);
    }

    private static void checkN(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("numExperiences should be > 0 (got: " + n + ")");
        }
    }
}
