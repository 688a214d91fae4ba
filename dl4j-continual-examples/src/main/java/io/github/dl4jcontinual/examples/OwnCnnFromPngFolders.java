package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.replay.strategy.DarkExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.datavec.api.io.labels.ParentPathLabelGenerator;
import org.datavec.api.split.FileSplit;
import org.datavec.image.loader.NativeImageLoader;
import org.datavec.image.recordreader.ImageRecordReader;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.*;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.preprocessor.ImagePreProcessingScaler;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;

/**
 * Your own CNN on your own PNG folders: {@code root/train/<class>/*.png} and {@code root/test/<class>/*.png}, read
 * by DataVec's {@code ImageRecordReader} (label = parent folder), learned class-incrementally in 5 experiences with
 * DER++ (500 images and their logits kept). The data are streamed from the files on every pass, never loaded whole.
 * <p>
 * Arguments: {@code root [height width channels]}, default 28 28 1. To try it on MNIST, write the folders first
 * with {@link MnistToPngFolders}.
 */
public final class OwnCnnFromPngFolders {
    private OwnCnnFromPngFolders() {
    }

    public static void main(String[] args) throws IOException {
        File root = new File(args.length > 0 ? args[0] : "results/mnist-png");
        int h = args.length > 3 ? Integer.parseInt(args[1]) : 28;
        int w = args.length > 3 ? Integer.parseInt(args[2]) : 28;
        int c = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        ContinualResult r = run(root, h, w, c, 2);
        System.out.println(r.report());
    }

    /** Reads {@code folder} ({@code <class>/*.png}) as minibatches of {@code [n, c, h, w]} in [0, 1]. */
    static DataSetIterator images(File folder, int h, int w, int c, int batch) throws IOException {
        if (!folder.isDirectory()) {
            throw new IllegalArgumentException("No image folder " + folder.getAbsolutePath() + ": expected "
                    + "<class>/<image>.png under it (MnistToPngFolders writes one from MNIST)");
        }
        ImageRecordReader reader = new ImageRecordReader(h, w, c, new ParentPathLabelGenerator());
        reader.initialize(new FileSplit(folder, NativeImageLoader.ALLOWED_FORMATS));
        DataSetIterator it = new RecordReaderDataSetIterator(reader, batch, 1, reader.getLabels().size());
        it.setPreProcessor(new ImagePreProcessingScaler(0, 1));
        return it;
    }

    /** Builds the CNN for the tree's classes and learns the 5 experiences, {@code epochs} each. */
    static ContinualResult run(File root, int h, int w, int c, int epochs) throws IOException {
        DataSetIterator train = images(new File(root, "train"), h, w, c, 64);
        int classes = train.totalOutcomes();
        MultiLayerNetwork cnn = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1)
                .updater(new Adam(2e-3)).weightInit(WeightInit.XAVIER).list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(16).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(32).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(h, w, c)).build());
        cnn.init();
        Scenario scenario = new ClassIncrementalScenario.Builder().name(root.getName())
                .train(train).test(images(new File(root, "test"), h, w, c, 200)).numExperiences(5).build();
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(32).epochsPerExperience(epochs)
                .seed(1).plugin(new DarkExperienceReplay.Builder().bufferSize(500).replayBatch(32).alpha(0.3)
                        .beta(0.5).build()).build();
        return ContinualTrainer.wrap(cnn, conf).fit(scenario);
    }
}
