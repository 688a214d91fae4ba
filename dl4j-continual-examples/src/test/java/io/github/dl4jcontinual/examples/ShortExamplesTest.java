package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.testutil.SharedData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The short example programs on real MNIST at small scale (the first 300 training and 100 test images of every
 * digit): each runs as a user would call it and must beat what forgetting leaves (about 20 % class-IL, the last
 * experience's two digits). Sanity bounds, not reproductions.
 */
class ShortExamplesTest {
    private static DataSet train;
    private static DataSet test;

    @BeforeAll
    static void data() {
        train = DataSets.perClass(SharedData.mnistTrain(), 0, 300);
        test = DataSets.perClass(SharedData.mnistTest(), 0, 100);
    }

    private static double classIl(ContinualResult r) {
        return r.classIncremental().finalAverageAccuracy();
    }

    @Test
    void ownMlpWithExperienceReplayRemembers() {
        ContinualResult r = OwnMlpExperienceReplay.run(train, test, 500);
        System.out.println("OwnMlpExperienceReplay: " + r.classIncremental());
        assertEquals(5, r.classIncremental().rows());
        assertTrue(classIl(r) > 0.5, "ER class-IL " + classIl(r));
    }

    @Test
    void ownCnnFromPngFoldersWithDerPlusPlus(@TempDir Path dir) throws Exception {
        MnistToPngFolders.write(DataSets.perClass(train, 0, 200), dir.resolve("train").toFile());
        MnistToPngFolders.write(DataSets.perClass(test, 0, 50), dir.resolve("test").toFile());
        assertEquals(200, Files.list(dir.resolve("train/7")).count());
        ContinualResult r = OwnCnnFromPngFolders.run(dir.toFile(), 28, 28, 1, 2);
        System.out.println("OwnCnnFromPngFolders: " + r.classIncremental());
        assertEquals(5, r.classIncremental().rows());
        assertTrue(classIl(r) > 0.5, "DER++ class-IL " + classIl(r));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OwnCnnFromPngFolders.run(new File(dir.toFile(), "nowhere"), 28, 28, 1, 1));
        assertTrue(e.getMessage().contains("nowhere" + File.separator + "train"), e.getMessage());
    }

    @Test
    void onlineEwcForgetsLessThanFineTuningOnPermutedMnist() {
        DataSet more = DataSets.perClass(SharedData.mnistTrain(), 0, 600);
        ContinualResult naive = OnlineEwcPermutedMnist.run(more, test, 5, false);
        ContinualResult ewc = OnlineEwcPermutedMnist.run(more, test, 5, true);
        System.out.printf("Permuted-MNIST: fine-tuning %.4f (forgetting %.4f), online EWC %.4f (forgetting %.4f)%n",
                classIl(naive), naive.classIncremental().averageForgetting(), classIl(ewc),
                ewc.classIncremental().averageForgetting());
        // measured: fine-tuning 0.7774 (forgetting 0.0635), online EWC 0.7682 (forgetting 0.0565); 47 minibatches
        // per permutation at this scale, so the gap is small; the full example's 20 permutations are in the README
        assertTrue(ewc.classIncremental().averageForgetting() < naive.classIncremental().averageForgetting(),
                "online EWC forgetting " + ewc.classIncremental().averageForgetting() + " vs fine-tuning "
                        + naive.classIncremental().averageForgetting());
    }

    @Test
    void icarlReportsTheNearestMeanClassifierBesideTheHead() {
        ContinualResult r = IcarlSplitMnist.run(train, test, 150, 20);
        AccuracyMatrix nme = r.classIncremental("nme");
        System.out.println("IcarlSplitMnist: head " + r.classIncremental() + "\nNME " + nme);
        assertEquals(5, nme.rows());
        assertTrue(nme.finalAverageAccuracy() > 0.6, "iCaRL NME class-IL " + nme.finalAverageAccuracy());
        assertTrue(classIl(r) > 0.4, "iCaRL head class-IL " + classIl(r));
    }

    @Test
    void resumeAfterAStopGivesTheUninterruptedResult(@TempDir Path dir) throws Exception {
        DataSet small = DataSets.perClass(train, 0, 60);
        ContinualResult whole = ResumeAfterCrash.run(small, test, dir.resolve("a"), 5);
        ContinualResult first = ResumeAfterCrash.run(small, test, dir.resolve("b"), 2);
        assertEquals(2, first.classIncremental().rows());
        ContinualResult resumed = ResumeAfterCrash.run(small, test, dir.resolve("b"), 5);
        assertEquals(5, resumed.classIncremental().rows());
        // AccuracyMatrix.equals compares every cell and its counts exactly
        assertEquals(whole.classIncremental(), resumed.classIncremental());
        assertEquals(whole.taskIncremental(), resumed.taskIncremental());
    }
}
