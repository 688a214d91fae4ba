package io.github.dl4jcontinual.datavec;

import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import org.datavec.api.io.labels.ParentPathLabelGenerator;
import org.datavec.api.split.CollectionInputSplit;
import org.datavec.api.split.FileSplit;
import org.datavec.api.split.InputSplit;
import org.datavec.image.loader.NativeImageLoader;
import org.datavec.image.recordreader.ImageRecordReader;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A source read in order must yield the same examples in the same order on every pass. DataVec's
 * {@code FileSplit(dir, formats, Random)} reshuffles at every reset, so its experiences would silently read other
 * classes' images: the experience iterator notices and fails, naming the cause; a file list shuffled once
 * ({@code CollectionInputSplit}) gives a random order that stays put. Synthetic 8x8 PNGs, 4 classes.
 */
class SourceOrderTest {

    static Path tree(Path root) throws Exception {
        for (int c = 0; c < 4; c++) {
            Path d = Files.createDirectories(root.resolve("c" + c));
            for (int i = 0; i < 12; i++) {
                BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
                int[] px = new int[64];
                Arrays.fill(px, 40 * c + i);
                img.getRaster().setSamples(0, 0, 8, 8, 0, px);
                ImageIO.write(img, "png", d.resolve(i + ".png").toFile());
            }
        }
        return root;
    }

    static DataSetIterator iterator(InputSplit split) throws Exception {
        ImageRecordReader rr = new ImageRecordReader(8, 8, 1, new ParentPathLabelGenerator());
        rr.initialize(split);
        return new RecordReaderDataSetIterator(rr, 10, 1, 4);
    }

    static Set<Integer> classesRead(Experience e) {
        Set<Integer> seen = new TreeSet<>();
        MultiDataSetIterator it = e.iterator(8, true, 1);
        while (it.hasNext()) {
            MultiDataSet b = it.next();
            Arrays.stream(b.getLabels(0).argMax(1).toIntVector()).forEach(seen::add);
        }
        return seen;
    }

    @Test
    void aFileSplitThatReshufflesAtEveryResetFailsLoudly(@TempDir Path dir) throws Exception {
        Path root = tree(dir);
        Scenario s = new ClassIncrementalScenario.Builder()
                .train(iterator(new FileSplit(root.toFile(), NativeImageLoader.ALLOWED_FORMATS, new Random(1))))
                .test(iterator(new FileSplit(root.toFile(), NativeImageLoader.ALLOWED_FORMATS)))
                .numExperiences(2).build();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> classesRead(s.trainStream().get(0)));
        assertTrue(e.getMessage().contains("same order on every pass") && e.getMessage().contains("FileSplit"),
                e.getMessage());
    }

    @Test
    void aFileListShuffledOnceGivesARandomOrderThatStaysPut(@TempDir Path dir) throws Exception {
        Path root = tree(dir);
        List<URI> files = new ArrayList<>(Arrays.asList(
                new FileSplit(root.toFile(), NativeImageLoader.ALLOWED_FORMATS).locations()));
        Collections.shuffle(files, new Random(1));
        Scenario s = new ClassIncrementalScenario.Builder()
                .train(iterator(new CollectionInputSplit(files)))
                .test(iterator(new FileSplit(root.toFile(), NativeImageLoader.ALLOWED_FORMATS)))
                .numExperiences(2).build();
        for (int pass = 0; pass < 2; pass++) {
            assertEquals(Set.of(0, 1), classesRead(s.trainStream().get(0)), "experience 0, pass " + pass);
            assertEquals(Set.of(2, 3), classesRead(s.trainStream().get(1)), "experience 1, pass " + pass);
        }
    }
}
