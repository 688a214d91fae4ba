// Diagnostic of the Omniglot-pretrained image tower (run with `java -cp <examples jar + lib> Diagnostic.java`; not part of the build; run after the table, changes nothing).
// Rebuilds OmniglotPretraining's fixed recipe for seed 1 with public API (its held-out accuracy is printed to check
// that it is the same network as in the run), then compares on the stream's own domains (TemplatedPairStream,
// 1000 train / 300 test per domain): weight scale, dead ReLU units, and 1-NN class accuracy (cosine, test images
// against training images) of raw pixels, the random start (DualEncoder's uniform ±1/sqrt(784), seed 1) and the
// pretrained hidden layer.
import io.github.dl4jcontinual.data.*;
import io.github.dl4jcontinual.zoo.ctp.*;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;
import java.util.*;

public class Diagnostic {
    static String cls(String c) { String[] w = c.replace(".", "").split(" "); int k = c.contains("digit") ? w.length - 1 : 6; return String.join(" ", Arrays.copyOfRange(w, k, w.length)); }
    static double nn(INDArray tr, INDArray te, List<String> ytr, List<String> yte) {
    INDArray a = tr.divColumnVector(tr.norm2(1).reshape(-1, 1).add(1e-9)), b = te.divColumnVector(te.norm2(1).reshape(-1, 1).add(1e-9));
    INDArray s = b.mmul(a.transpose()); INDArray idx = Nd4j.argMax(s, 1); int hit = 0;
    for (int i = 0; i < yte.size(); i++) if (ytr.get(idx.getInt(i)).equals(yte.get(i))) hit++;
    return (double) hit / yte.size(); }
    static INDArray hid(INDArray x, INDArray w, INDArray b) { return Transforms.relu(x.castTo(DataType.FLOAT).mmul(w).addRowVector(b), false); }
    static double dead(INDArray h) { INDArray on = h.gt(0).castTo(DataType.FLOAT).sum(0); int d = 0; for (int j = 0; j < on.length(); j++) if (on.getDouble(j) == 0) d++; return (double) d / on.length(); }

    public static void main(String[] args) throws Exception {

        DataDirectory dir = DataDirectory.resolve("../shared/data");
        DataSet[] om = OmniglotDatasets.load(dir, 242, 15, 28, 0);
        long seed = 1;
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(seed)
                .updater(new Adam(1e-3)).weightInit(WeightInit.RELU).list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(256).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(256).nOut(242)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build()).build());
        net.init();
        DataSet sh = om[0].copy();
        for (int e = 0; e < 20; e++) { sh.shuffle(seed * 1000 + e); net.fit(new ListDataSetIterator<>(sh.asList(), 32)); }
        Evaluation ev = new Evaluation(242); ev.eval(om[1].getLabels(), net.output(om[1].getFeatures(), false));
        System.out.printf("omniglot held-out accuracy %.2f %%%n", 100 * ev.accuracy());

        DualEncoder rnd = new DualEncoder(new DualEncoder.Spec(784, 256, 384, 64, 128, 0.07, 0.07), EnumSet.noneOf(LossTerm.class), DataType.FLOAT, seed);
        INDArray wr = rnd.parameters().get("img_fc_w"), br = rnd.parameters().get("img_fc_b");
        PretrainedImageTower pt = PretrainedImageTower.of(net);
        INDArray wp = pt.weights(), bp = pt.bias();
        System.out.printf("img_fc_w: random ||W||_F %.2f (mean |w| %.4f), pretrained ||W||_F %.2f (mean |w| %.4f)%n",
                wr.norm2Number().doubleValue(), Transforms.abs(wr).meanNumber().doubleValue(),
                wp.norm2Number().doubleValue(), Transforms.abs(wp).meanNumber().doubleValue());


        PairStream s = TemplatedPairStream.load(dir, 1000, 300);
        for (int d = 0; d < s.size(); d++) {
            List<String> ytr = new ArrayList<>(), yte = new ArrayList<>();
            for (String c : s.train(d).captions()) ytr.add(cls(c));
            for (String c : s.test(d).captions()) yte.add(cls(c));
            INDArray xtr = s.train(d).images().castTo(DataType.FLOAT), xte = s.test(d).images().castTo(DataType.FLOAT);
            INDArray hrTr = hid(xtr, wr, br), hrTe = hid(xte, wr, br), hpTr = hid(xtr, wp, bp), hpTe = hid(xte, wp, bp);
            System.out.printf("%s (%d classes): 1-NN class accuracy pixels %.1f %%, random hidden %.1f %%, pretrained hidden %.1f %%; dead units random %.1f %%, pretrained %.1f %%; mean active units random %.1f, pretrained %.1f%n",
                    s.names().get(d), new HashSet<>(ytr).size(), 100 * nn(xtr, xte, ytr, yte), 100 * nn(hrTr, hrTe, ytr, yte), 100 * nn(hpTr, hpTe, ytr, yte),
                    100 * dead(hrTe), 100 * dead(hpTe), hrTe.gt(0).castTo(DataType.FLOAT).sum(1).meanNumber().doubleValue(), hpTe.gt(0).castTo(DataType.FLOAT).sum(1).meanNumber().doubleValue());
        }

    }
}
