package io.github.dl4jcontinual.zoo.vl;

import io.github.dl4jcontinual.cil.CosineOutputLayer;
import io.github.dl4jcontinual.zoo.model.Mlp;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Mechanics of the alignment stage on synthetic separable data (no accuracy claim about real images). */
class AlignedImageTowerTest {
    /** 3 classes of 16 features: class c raises features 4c..4c+3. */
    static DataSet synthetic(int perClass, long seed) {
        Random r = new Random(seed);
        int n = 3 * perClass;
        float[] x = new float[n * 16];
        float[] y = new float[n * 3];
        for (int i = 0; i < n; i++) {
            int c = i % 3;
            y[i * 3 + c] = 1;
            for (int k = 0; k < 16; k++) {
                x[i * 16 + k] = (float) (0.3 * r.nextGaussian()) + (k / 4 == c ? 1f : 0f);
            }
        }
        return new DataSet(Nd4j.create(x, new long[]{n, 16}), Nd4j.create(y, new long[]{n, 3}));
    }

    @Test
    void alignsImagesWithFrozenTextAnchorsAndRoundTrips(@TempDir File dir) throws Exception {
        Nd4j.getRandom().setSeed(3);
        INDArray text = Nd4j.randn(org.nd4j.linalg.api.buffer.DataType.FLOAT, 3, 8);
        MultiLayerNetwork mlp = new Mlp.Builder(16, 3).hidden(16).seed(4).build();
        DataSet data = synthetic(60, 5);
        AlignedImageTower tower = new AlignedImageTower.Builder(mlp, text).epochs(15).batchSize(30).scale(10)
                .seed(6).align(data);
        assertEquals(8, tower.width());
        assertTrue(tower.accuracy(data) > 0.9, "alignment accuracy " + tower.accuracy(data));
        // the text anchors did not move: the head's W is exactly the text, transposed
        INDArray w = tower.network().getLayer(2).getParam(CosineOutputLayer.WEIGHT_KEY);
        assertArrayEquals(text.transpose().dup('c').data().asFloat(), w.dup('c').data().asFloat());
        // nearest anchor of embed(x) is the class
        INDArray e = tower.embed(data.getFeatures());
        assertEquals(8, e.size(1));
        INDArray en = e.divColumnVector(e.norm2(1).reshape(-1, 1));
        INDArray tn = text.divColumnVector(text.norm2(1).reshape(-1, 1));
        double agree = en.mmul(tn.transpose()).argMax(1).eq(data.getLabels().argMax(1)).castTo(
                org.nd4j.linalg.api.buffer.DataType.DOUBLE).meanNumber().doubleValue();
        assertTrue(agree > 0.9, "nearest-anchor agreement " + agree);
        File f = new File(dir, "tower.zip");
        tower.save(f);
        AlignedImageTower back = AlignedImageTower.load(f);
        assertTrue(Arrays.equals(e.data().asFloat(), back.embed(data.getFeatures()).data().asFloat()));
        assertEquals(tower.network().getLayerWiseConfigurations().toJson(),
                back.network().getLayerWiseConfigurations().toJson());
    }

    @Test
    void rejectsMismatchedTextAndPlainClassifiers() {
        MultiLayerNetwork mlp = new Mlp.Builder(16, 3).hidden(16).seed(4).build();
        AlignedImageTower.Builder b = new AlignedImageTower.Builder(mlp, Nd4j.rand(4, 8));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.align(synthetic(2, 1))).getMessage()
                .contains("4 class texts"));
        assertThrows(IllegalArgumentException.class, () -> new AlignedImageTower(mlp));
        assertThrows(IllegalArgumentException.class, () -> new AlignedImageTower.Builder(mlp, Nd4j.rand(1, 8)));
    }
}
