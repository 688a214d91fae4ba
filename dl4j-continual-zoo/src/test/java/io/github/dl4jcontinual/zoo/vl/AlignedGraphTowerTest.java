package io.github.dl4jcontinual.zoo.vl;

import io.github.dl4jcontinual.cil.CosineOutputLayer;
import io.github.dl4jcontinual.zoo.transformer.Vit;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code ComputationGraph} path of {@link AlignedImageTower} on a tiny zoo ViT (4×4 "images" = the 16 synthetic
 * features of {@link AlignedImageTowerTest}, patch 2): mechanics only, no accuracy claim about real images.
 */
class AlignedGraphTowerTest {
    private static ComputationGraph tinyVit() {
        return new Vit.Builder(3).image(4, 4, 1).patchSize(2).embedDim(8).depth(1).heads(2).mlpRatio(2).seed(4)
                .build();
    }

    @Test
    void alignsAVitWithFrozenAnchorsAndRoundTrips(@TempDir File dir) throws Exception {
        Nd4j.getRandom().setSeed(3);
        INDArray text = Nd4j.randn(DataType.FLOAT, 3, 6);
        ComputationGraph vit = tinyVit();
        INDArray before = vit.params().dup();
        DataSet data = AlignedImageTowerTest.synthetic(60, 5);
        AlignedImageTower tower = new AlignedImageTower.Builder(vit, text).epochs(15).batchSize(30).scale(10)
                .seed(6).align(data);
        assertTrue(tower.isGraph());
        assertEquals(6, tower.width());
        assertEquals(before, vit.params(), "the source graph is copied, not trained");
        // the old output layer is gone; projection and anchors sit on the pooling layer
        assertFalse(tower.graph().getConfiguration().getVertices().containsKey(Vit.OUTPUT));
        assertEquals(java.util.List.of(Vit.POOL),
                tower.graph().getConfiguration().getVertexInputs().get(AlignedImageTower.PROJECTION));
        assertEquals(java.util.List.of(AlignedImageTower.ANCHORS), tower.graph().getConfiguration()
                .getNetworkOutputs());
        double acc = tower.accuracy(data);
        assertTrue(acc > 0.9, "alignment accuracy " + acc);
        // anchors bit-identical to the text (transposed), scale exactly s
        INDArray w = tower.graph().getLayer(AlignedImageTower.ANCHORS).getParam(CosineOutputLayer.WEIGHT_KEY);
        assertArrayEquals(text.transpose().dup('c').data().asFloat(), w.dup('c').data().asFloat());
        assertArrayEquals(text.transpose().dup('c').data().asFloat(), tower.anchors().dup('c').data().asFloat());
        assertEquals(10f, tower.graph().getLayer(AlignedImageTower.ANCHORS).getParam(CosineOutputLayer.SCALE_KEY)
                .getFloat(0));
        // embed = the projection of the pooled ViT feature
        INDArray e = tower.embed(data.getFeatures());
        assertArrayEquals(new long[]{180, 6}, e.shape());
        INDArray pool = tower.graph().feedForward(data.getFeatures(), false).get(Vit.POOL);
        INDArray manual = pool.mmul(tower.graph().getLayer(AlignedImageTower.PROJECTION).getParam("W"))
                .addRowVector(tower.graph().getLayer(AlignedImageTower.PROJECTION).getParam("b"));
        assertTrue(manual.equalsWithEps(e, 1e-5));
        File f = new File(dir, "vit-tower.zip");
        tower.save(f);
        AlignedImageTower back = AlignedImageTower.load(f);
        assertTrue(back.isGraph());
        assertTrue(Arrays.equals(e.data().asFloat(), back.embed(data.getFeatures()).data().asFloat()));
        assertEquals(tower.graph().getConfiguration().toJson(), back.graph().getConfiguration().toJson());
        assertTrue(assertThrows(IllegalStateException.class, back::network).getMessage().contains("graph()"));
    }

    @Test
    void mlnTowerStillLoadsAsAMultiLayerNetwork(@TempDir File dir) throws Exception {
        AlignedImageTower t = new AlignedImageTower.Builder(new io.github.dl4jcontinual.zoo.model.Mlp.Builder(16, 3)
                .hidden(8).seed(1).build(), Nd4j.rand(3, 4)).epochs(1).align(AlignedImageTowerTest.synthetic(4, 1));
        File f = new File(dir, "mlp-tower.zip");
        t.save(f);
        AlignedImageTower back = AlignedImageTower.load(f);
        assertFalse(back.isGraph());
        assertNotNull(back.network());
        assertTrue(assertThrows(IllegalStateException.class, back::graph).getMessage().contains("network()"));
    }

    @Test
    void rejectsMultiOutputGraphsWrongShapesAndUnalignedGraphs() {
        ComputationGraph two = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
                .addInputs("in")
                .addLayer("h", new DenseLayer.Builder().nIn(16).nOut(4).activation(Activation.RELU).build(), "in")
                .addLayer("a", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "h")
                .addLayer("b", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "h")
                .setOutputs("a", "b").build());
        two.init();
        String m = assertThrows(IllegalArgumentException.class,
                () -> new AlignedImageTower.Builder(two, Nd4j.rand(3, 6))).getMessage();
        assertTrue(m.contains("single-output") && m.contains("2 outputs"), m);

        ComputationGraph merged = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
                .addInputs("in")
                .addLayer("h", new DenseLayer.Builder().nIn(16).nOut(4).build(), "in")
                .addVertex("m", new MergeVertex(), "h", "in")
                .setOutputs("m").build());
        merged.init();
        m = assertThrows(IllegalArgumentException.class,
                () -> new AlignedImageTower.Builder(merged, Nd4j.rand(3, 6))).getMessage();
        assertTrue(m.contains("'m'") && m.contains("MergeVertex"), m);

        // 5×5 images for a 4×4 ViT
        AlignedImageTower.Builder b = new AlignedImageTower.Builder(tinyVit(), Nd4j.rand(3, 6));
        DataSet wrong = new DataSet(Nd4j.rand(6, 25), Nd4j.eye(3).repeat(0, 2));
        m = assertThrows(IllegalArgumentException.class, () -> b.align(wrong)).getMessage();
        assertTrue(m.contains("[6, 25]") && m.contains("[n, 16]"), m);
        AlignedImageTower ok = b.epochs(0).align(AlignedImageTowerTest.synthetic(2, 1));
        m = assertThrows(IllegalArgumentException.class, () -> ok.embed(Nd4j.rand(2, 9))).getMessage();
        assertTrue(m.contains("[2, 9]"), m);

        m = assertThrows(IllegalArgumentException.class, () -> new AlignedImageTower(tinyVit())).getMessage();
        assertTrue(m.contains(AlignedImageTower.PROJECTION) && m.contains("[" + Vit.OUTPUT + "]"), m);
    }
}
