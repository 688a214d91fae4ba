package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.spark.SparkContinualTrainer;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.dataset.DataSet;

/**
 * {@link OwnMlpExperienceReplay}'s network and stream trained on Spark: the same trainer, configuration, plugin
 * and result, with each experience trained by DL4J's {@code SparkDl4jMultiLayer} under parameter averaging (every
 * 5 minibatches of 10 new + 10 replayed images per worker). Without {@code spark.master} (e.g. run from an IDE) it
 * runs in {@code local[2]} on the loopback interface; under {@code spark-submit} it uses the cluster's master.
 * <p>
 * Argument: {@code [data-dir]} holding {@code mnist/*-ubyte.gz}.
 */
public final class SparkExperienceReplay {
    private SparkExperienceReplay() {
    }

    public static void main(String[] args) {
        DataDirectory dir = DataDirectory.resolve(args.length > 0 ? args[0] : null);
        SparkConf spark = new SparkConf().setAppName("dl4j-continual ER on Spark");
        if (!spark.contains("spark.master")) {
            spark.setMaster("local[2]").set("spark.driver.host", "127.0.0.1")
                    .set("spark.driver.bindAddress", "127.0.0.1").set("spark.ui.enabled", "false");
        }
        try (JavaSparkContext sc = new JavaSparkContext(spark)) {
            ContinualResult r = run(sc, IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN),
                    IdxDatasets.mnist(dir, IdxDatasets.Split.TEST));
            System.out.println(r.report());
        }
    }

    /** Split-MNIST with ER (500 images) on the context's workers. */
    static ContinualResult run(JavaSparkContext sc, DataSet train, DataSet test) {
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(10).seed(1)
                .plugin(new ExperienceReplay.Builder().bufferSize(500).replayBatch(10).build()).build();
        return SparkContinualTrainer.wrap(sc, OwnMlpExperienceReplay.myNetwork(), conf,
                        SparkContinualTrainer.parameterAveraging(20, 5, sc.defaultParallelism()))
                .fit(new ClassIncrementalScenario.Builder().train(train).test(test).numExperiences(5)
                        .name("split-mnist").build());
    }
}
