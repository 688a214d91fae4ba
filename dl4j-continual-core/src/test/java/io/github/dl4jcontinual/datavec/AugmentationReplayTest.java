package io.github.dl4jcontinual.datavec;

import io.github.dl4jcontinual.data.MappedMultiDataSetIterator;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.datavec.api.io.labels.ParentPathLabelGenerator;
import org.datavec.api.split.FileSplit;
import org.datavec.image.loader.NativeImageLoader;
import org.datavec.image.recordreader.ImageRecordReader;
import org.datavec.image.transform.ImageTransform;
import org.datavec.image.transform.RandomCropTransform;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.dataset.api.preprocessor.ImagePreProcessingScaler;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code docs/data.md} says about pre-processors, augmentation and replay: the reader's random
 * {@code ImageTransform} runs on every read (the same image differs from epoch to epoch), the iterator's
 * {@code ImagePreProcessingScaler} applies once, and the replay buffer stores rows as read, so every replayed row is
 * exactly a row read earlier — neither augmented nor scaled again. Synthetic 10x10 noise PNGs (4 classes of 12),
 * random 8x8 crops, 2 experiences, ER; a recording plugin after ER sees the training minibatches.
 */
class AugmentationReplayTest {
    private static final int BATCH = 8;
    /** Features of every training minibatch, with its experience, in order (filled by {@link Recorder}). */
    static final List<float[][]> ROWS = new ArrayList<>();
    static final List<Integer> EXPERIENCE = new ArrayList<>();

    /** Records the features of every training minibatch the network gets (listed after the replay plugin). */
    public static final class Recorder extends io.github.dl4jcontinual.serde.JsonConfiguration implements PluginConfiguration {
        private static final long serialVersionUID = 1L;

        @Override
        public ContinualPlugin instantiate() {
            return new ContinualPlugin() {
                @Override
                public MultiDataSetIterator adaptTrainingData(ContinualContext ctx, Experience experience,
                                                              MultiDataSetIterator data) {
                    return new MappedMultiDataSetIterator(data, m -> record(m, experience.index()));
                }

                @Override
                public java.io.Serializable saveState() {
                    return null;
                }
            };
        }

        @Override
        public String name() {
            return "recorder";
        }
    }

    /** Records a minibatch's rows and experience, and serves it unchanged. */
    static MultiDataSet record(MultiDataSet m, int experience) {
        long n = m.getFeatures(0).size(0);
        ROWS.add(m.getFeatures(0).reshape(n, -1).dup().toFloatMatrix());
        EXPERIENCE.add(experience);
        return m;
    }

    static Path tree(Path root) throws Exception {
        Random r = new Random(3);
        for (int c = 0; c < 4; c++) {
            Path d = Files.createDirectories(root.resolve(Integer.toString(c)));
            for (int i = 0; i < 12; i++) {
                BufferedImage img = new BufferedImage(10, 10, BufferedImage.TYPE_BYTE_GRAY);
                int[] px = new int[100];
                for (int p = 0; p < px.length; p++) {
                    px[p] = 40 * c + r.nextInt(100);
                }
                img.getRaster().setSamples(0, 0, 10, 10, 0, px);
                ImageIO.write(img, "png", d.resolve(i + ".png").toFile());
            }
        }
        return root;
    }

    static DataSetIterator iterator(Path root, ImageTransform transform) throws Exception {
        ImageRecordReader rr = new ImageRecordReader(8, 8, 1, new ParentPathLabelGenerator(), transform);
        rr.initialize(new FileSplit(root.toFile(), NativeImageLoader.ALLOWED_FORMATS));
        DataSetIterator it = new RecordReaderDataSetIterator(rr, 10, 1, 4);
        it.setPreProcessor(new ImagePreProcessingScaler(0, 1));
        return it;
    }

    @Test
    void replayedRowsAreRowsAsReadNeitherAugmentedNorScaledAgain(@TempDir Path dir) throws Exception {
        Path root = tree(dir);
        // the reader crops a random 8x8 window of each 10x10 image on every read; the test stream is not augmented
        Scenario s = new ClassIncrementalScenario.Builder()
                .train(iterator(root, new RandomCropTransform(8, 8)))
                .test(iterator(root, new org.datavec.image.transform.CropImageTransform(1)))
                .numExperiences(2).build();
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder().seed(1).updater(new Sgd(0.1)).list()
                .layer(new DenseLayer.Builder().nOut(8).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(8, 8, 1)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(c);
        net.init();
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(BATCH).epochsPerExperience(2)
                .seed(5).progress(false)
                .plugins(new ExperienceReplay.Builder().bufferSize(16).replayBatch(BATCH).build(), new Recorder())
                .build();
        ROWS.clear();
        EXPERIENCE.clear();
        ContinualTrainer.wrap(net, conf).fit(s);

        // 24 images per experience, 2 epochs, minibatches of 8 current rows followed by up to 8 replayed ones
        Set<String> current = new HashSet<>();
        int currentRows = 0;
        List<float[]> replayed = new ArrayList<>();
        for (int b = 0; b < ROWS.size(); b++) {
            float[][] m = ROWS.get(b);
            for (int i = 0; i < m.length; i++) {
                for (float v : m[i]) {
                    assertTrue(v >= 0f && v <= 1f, "a pixel scaled once is in [0, 1]: " + v);
                }
                if (i < BATCH) {
                    current.add(Arrays.toString(m[i]));
                    currentRows++;
                } else if (EXPERIENCE.get(b) == 1) {
                    replayed.add(m[i]);
                }
            }
        }
        assertEquals(2 * 2 * 24, currentRows);
        assertTrue(current.size() > 48, "the reader's random crop runs on every read: " + current.size()
                + " distinct current rows from 48 images read twice");
        assertEquals(6 * BATCH, replayed.size(), "8 replayed rows in each of the 6 minibatches of experience 1");
        for (float[] row : replayed) {
            assertTrue(current.contains(Arrays.toString(row)), "a replayed row is a row as it was read (augmented "
                    + "and scaled once), not augmented or scaled again");
        }
    }
}
