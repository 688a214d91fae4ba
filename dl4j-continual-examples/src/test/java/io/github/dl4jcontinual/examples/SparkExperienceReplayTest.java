package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.testutil.SharedData;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Spark example in {@code local[2]} on the first 200 training and 50 test images of every digit. */
class SparkExperienceReplayTest {
    @Test
    void experienceReplayOnSparkRemembers() {
        SparkConf conf = new SparkConf().setAppName("test").setMaster("local[2]").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1").set("spark.ui.enabled", "false");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            ContinualResult r = SparkExperienceReplay.run(sc, DataSets.perClass(SharedData.mnistTrain(), 0, 200),
                    DataSets.perClass(SharedData.mnistTest(), 0, 50));
            System.out.println("SparkExperienceReplay: " + r.classIncremental());
            assertEquals(5, r.classIncremental().rows());
            assertTrue(r.classIncremental().finalAverageAccuracy() > 0.4,
                    "ER on Spark class-IL " + r.classIncremental().finalAverageAccuracy());
        }
    }
}
