package io.github.dl4jcontinual.testutil;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.File;

/**
 * Locates the project's real datasets ({@code ../shared/data} beside the checkout, or the system property
 * {@code dl4jcontinual.shared.data} that Surefire sets). When the data is missing a test is skipped on a
 * developer machine and fails under {@code CI=true}.
 */
public final class SharedData {
    private static DataSet mnistTrain;
    private static DataSet mnistTest;

    private SharedData() {
    }

    /** @return the shared data directory; skips (or fails under CI) if it is missing */
    public static DataDirectory dir() {
        String prop = System.getProperty("dl4jcontinual.shared.data");
        File f = prop != null ? new File(prop) : new File("../../shared/data");
        if (!new File(f, "mnist").isDirectory()) {
            File alt = new File("../shared/data");
            if (new File(alt, "mnist").isDirectory()) {
                f = alt;
            }
        }
        if (!new File(f, "mnist").isDirectory()) {
            String msg = "shared/data not found at " + f.getAbsolutePath()
                    + " (set -Ddl4jcontinual.shared.data=...)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail(msg);
            }
            Assumptions.abort(msg);
        }
        return DataDirectory.of(f);
    }

    /**
     * @param ds a dataset
     * @param n  number of leading examples
     * @return a detached copy of the first n examples
     */
    public static DataSet head(DataSet ds, int n) {
        return new DataSet(ds.getFeatures().get(NDArrayIndex.interval(0, n), NDArrayIndex.all()).dup(),
                ds.getLabels().get(NDArrayIndex.interval(0, n), NDArrayIndex.all()).dup());
    }

    /** @return MNIST train (cached for the JVM; do not modify) */
    public static synchronized DataSet mnistTrain() {
        if (mnistTrain == null) {
            mnistTrain = IdxDatasets.mnist(dir(), IdxDatasets.Split.TRAIN);
        }
        return mnistTrain;
    }

    /**
     * @param trainPerClass training images per class (the first ones of each class)
     * @param testPerClass  test images per class
     * @return Split-MNIST, 5 experiences of 2 classes in natural order, named "split-mnist"
     */
    public static io.github.dl4jcontinual.scenario.Scenario splitMnist(int trainPerClass, int testPerClass) {
        return new io.github.dl4jcontinual.scenario.ClassIncrementalScenario.Builder()
                .train(io.github.dl4jcontinual.data.DataSets.perClass(mnistTrain(), 0, trainPerClass))
                .test(io.github.dl4jcontinual.data.DataSets.perClass(mnistTest(), 0, testPerClass))
                .numExperiences(5).name("split-mnist").build();
    }

    /** @return MNIST test (cached for the JVM; do not modify) */
    public static synchronized DataSet mnistTest() {
        if (mnistTest == null) {
            mnistTest = IdxDatasets.mnist(dir(), IdxDatasets.Split.TEST);
        }
        return mnistTest;
    }
}
