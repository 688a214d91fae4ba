package io.github.dl4jcontinual.zoo.alta;

import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.ExperienceTraining;
import io.github.dl4jcontinual.plugin.PluginStates;
import io.github.dl4jcontinual.replay.ReplayBatch;
import io.github.dl4jcontinual.replay.ReservoirReplayBuffer;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import io.github.dl4jcontinual.zoo.text.BertTextEncoder;
import io.github.dl4jcontinual.zoo.text.ClipTextEncoder;
import io.github.dl4jcontinual.zoo.text.PromptedTextTower;
import io.github.dl4jcontinual.zoo.text.TextEncoder;
import io.github.dl4jcontinual.zoo.text.TextTokenizer;
import io.github.dl4jcontinual.zoo.text.WordPieceTokenizer;
import org.apache.commons.lang3.SerializationUtils;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * The runtime of ALTA ({@link AltaConfiguration#instantiate()}), one per run of the trainer. Not used directly: put
 * an {@link AltaConfiguration} among the trainer's plugins.
 *
 * <p><b>Model.</b> Before the first experience ({@link #adaptModel}) the user's classification output is replaced,
 * through DL4J's {@code TransferLearning} and {@link ContinualModel#replace}, by an {@link AltaHeadLayer} of the same
 * name reading the same input (the features h); the user's layers are frozen ({@code setFeatureExtractor}) unless
 * {@link AltaConfiguration#isTrainBackbone()}. The head's trained parameters use the configuration's updater (with
 * {@link CosinePerTaskSchedule} for the per-task cosine) and L2 weight decay; the rest of the network keeps its own
 * updater. The head's text columns are written by the plugin: w1 = the frozen text tower's embeddings of
 * "{contextInit} {name}." and w2 = the {@link PromptedTextTower}'s embeddings of {@code ctx name .} with the current
 * context ctx.</p>
 *
 * <p><b>Training</b> (the plugin's {@link ExperienceTraining} step, per minibatch B of the trainer's iterator): a
 * replay batch R is drawn uniformly from a reservoir ({@link ReservoirReplayBuffer}) of (input, logits, label)
 * items, B is offered to the reservoir with the logits before the step, and one {@code fit} of the network on
 * B ∪ R with the labels of {@link AltaHeadLayer} updates the image side (adapter, projection, and the backbone if
 * trained) through DL4J's updater. A listener reads the gradient of the loss with respect to w2 (and zeroes the
 * text columns' gradients); the plugin carries it back through the frozen text tower to ctx (a vector-Jacobian
 * product in the tower's SameDiff graph) and updates ctx with an ND4J {@link GradientUpdater} of the same
 * {@link IUpdater} (and L2), in the same step as the image side, as the release does; then w2 of the classes not yet
 * snapshotted is recomputed. Heads that snapshot ({@link AltaHead#snapshotsPrompts()}) freeze the w2 columns of an
 * experience's classes after it (task-aware text).</p>
 *
 * <p>Per experience it reports {@code alta.steps}, {@code alta.buffer_size} and {@code alta.frozen_classes}.
 * Checkpoints carry ctx, the context updater's state, the snapshot flags, the reservoir and its generator; the
 * network (head, text columns, DL4J updater state) is the trainer's. Requirements: a MultiLayerNetwork or
 * ComputationGraph with one output, a feed-forward classification output layer with one input of K = the number of
 * class names units, a FIXED head ({@link HeadPolicy#FIXED}), one-hot labels over the K classes.</p>
 */
public final class AltaPlugin implements ContinualPlugin {
    private static final Logger LOG = LoggerFactory.getLogger(AltaPlugin.class);
    private static final String GRAD = "alta_text_grad";
    private static final String VJP = "alta_text_vjp";

    private final AltaConfiguration conf;
    private final int k;
    private TextEncoder encoder;
    private PromptedTextTower tower;
    private IUpdater ctxUpdaterConf;
    private INDArray ctxUpdaterState;
    private GradientUpdater<?> ctxUpdater;
    private boolean[] frozen;
    private ReservoirReplayBuffer buffer;
    private Random rng;
    private INDArray pendingGrad;
    private long steps;
    private long stepsHere;
    private boolean restored;

    AltaPlugin(AltaConfiguration conf) {
        this.conf = conf;
        this.k = conf.getClassNames().size();
    }

    @Override
    public void onStreamStart(ContinualContext ctx) {
        ContinualModel m = ctx.model();
        if (ctx.configuration().getHeadPolicy() != HeadPolicy.FIXED) {
            throw new IllegalArgumentException("ALTA scores all " + k + " named classes from the start: it needs "
                    + "HeadPolicy.FIXED (got: " + ctx.configuration().getHeadPolicy() + ")");
        }
        if (m.kind().equals("SameDiff")) {
            throw new IllegalArgumentException("ALTA replaces the classification output with DL4J's TransferLearning: "
                    + "it needs a MultiLayerNetwork or a ComputationGraph (got: " + m.describe() + ")");
        }
        if (m.numOutputs() != 1) {
            throw new IllegalArgumentException("ALTA needs a network with one output, the classifier (got "
                    + m.numOutputs() + " outputs: " + m.outputNames() + ")");
        }
        if (m.headSize() != k) {
            throw new IllegalArgumentException("ALTA has " + k + " class names " + conf.getClassNames() + " but the "
                    + "classification output " + m.classificationOutputName() + " has " + m.headSize() + " units: "
                    + "one per named class is needed");
        }
        Layer head = m.headConf();
        if (!(head instanceof AltaHeadLayer) && !(head instanceof FeedForwardLayer)) {
            throw new IllegalArgumentException("ALTA reads the input of the classification output as the image "
                    + "features: it needs a feed-forward output layer (e.g. OutputLayer); "
                    + m.classificationOutputName() + " is a " + head.getClass().getSimpleName());
        }
        try {
            encoder = encoder();
            TextTokenizer tokenizer = tokenizer();
            if (conf.getHead().usesPrompt()) {
                tower = new PromptedTextTower.Builder().encoder(encoder).tokenizer(tokenizer)
                        .classNames(conf.getClassNames()).contextInit(conf.getContextInit())
                        .seed(ctx.configuration().getSeed()).build();
                SameDiff sd = tower.graph();
                SDVariable g = sd.placeHolder(GRAD, DataType.FLOAT, -1, encoder.outputWidth());
                sd.setLossVariables(tower.output().mul(g).sum().rename(VJP));
                ctxUpdaterConf = conf.getUpdater();
                long n = sd.getArrForVarName(PromptedTextTower.CONTEXT).length();
                long size = ctxUpdaterConf.stateSize(n);
                ctxUpdaterState = size > 0 ? Nd4j.zeros(DataType.FLOAT, 1, size) : null;
                ctxUpdater = ctxUpdaterConf.instantiate(ctxUpdaterState, true);
            }
            handText = conf.getHead() == AltaHead.SPROMPT || conf.getHead() == AltaHead.CPROMPT ? null
                    : encoder.embed(tokenizer, handPrompts());
            if (tokenizer instanceof AutoCloseable) {
                ((AutoCloseable) tokenizer).close();
            }
        } catch (Exception e) {
            throw e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e);
        }
        frozen = new boolean[k];
        buffer = conf.replays() ? new ReservoirReplayBuffer(conf.getBufferSize(), true) : null;
        if (buffer != null) {
            buffer.classificationOutput(m.classificationOutput());
        }
        rng = ctx.rng("alta.replay");
        steps = 0;
        restored = false;
    }

    private INDArray handText;

    private List<String> handPrompts() {
        List<String> p = new ArrayList<>();
        for (String n : conf.getClassNames()) {
            p.add(conf.getContextInit() + " " + n + ".");
        }
        return p;
    }

    private TextEncoder encoder() throws IOException {
        if (conf.getTextTower() == AltaConfiguration.TextTower.CLIP) {
            return ClipTextEncoder.fromOnnx(Paths.get(conf.getClipOnnx()));
        }
        return BertTextEncoder.allMiniLmL6V2();
    }

    private TextTokenizer tokenizer() throws IOException {
        if (conf.getTextTower() == AltaConfiguration.TextTower.CLIP) {
            return WordPieceTokenizer.fromFile(Paths.get(conf.getClipTokenizer()));
        }
        return WordPieceTokenizer.allMiniLmL6V2();
    }

    @Override
    public void adaptModel(ContinualContext ctx, Experience experience) {
        ContinualModel m = ctx.model();
        if (m.headConf() instanceof AltaHeadLayer) {
            if (!restored && ctx.experienceIndex() == 0) {
                writeText(m, allClasses());
            }
            followHeadSchedule(m);
            return;
        }
        int nIn = (int) ((FeedForwardLayer) m.headConf()).getNIn();
        int width = encoder.outputWidth();
        if (!conf.isProjection() && nIn != width) {
            throw new IllegalArgumentException("ALTA without a projection needs features of the text width " + width
                    + ", but the classification output " + m.classificationOutputName() + " reads " + nIn
                    + " features: use projection(true)");
        }
        IUpdater u = conf.getUpdater();
        AltaHeadLayer head = new AltaHeadLayer(conf.getHead(), nIn, k, width, conf.isProjection(),
                Math.max(1, width / conf.getAdapterReduction()), conf.getScale(), u, conf.getWeightDecay());
        Nd4j.getRandom().setSeed(ctx.configuration().getSeed());
        Object replacement;
        if (m.kind().equals("MultiLayerNetwork")) {
            MultiLayerNetwork net = m.unwrap(MultiLayerNetwork.class);
            int n = net.getnLayers();
            TransferLearning.Builder b = new TransferLearning.Builder(net)
                    .fineTuneConfiguration(new FineTuneConfiguration.Builder().build());
            if (!conf.isTrainBackbone() && n > 1) {
                b.setFeatureExtractor(n - 2);
            }
            replacement = b.removeOutputLayer().addLayer(head).build();
        } else {
            ComputationGraph g = m.unwrap(ComputationGraph.class);
            String out = m.classificationOutputName();
            List<String> in = g.getConfiguration().getVertexInputs().get(out);
            if (in == null || in.size() != 1) {
                throw new IllegalArgumentException("ALTA needs a classification output with one input (the features);"
                        + " " + out + " has inputs " + in);
            }
            head.setLayerName(out);
            TransferLearning.GraphBuilder b = new TransferLearning.GraphBuilder(g)
                    .fineTuneConfiguration(new FineTuneConfiguration.Builder().build());
            if (!conf.isTrainBackbone() && !g.getConfiguration().getNetworkInputs().contains(in.get(0))) {
                b.setFeatureExtractor(in.get(0));
            }
            replacement = b.removeVertexAndConnections(out).addLayer(out, head, in.get(0)).setOutputs(out).build();
        }
        m.replace(replacement);
        AltaHeadLayer live = (AltaHeadLayer) m.headConf();
        if (conf.getSchedule() == AltaConfiguration.Schedule.COSINE_PER_TASK) {
            CosinePerTaskSchedule s = new CosinePerTaskSchedule(conf.getUpdater().getLearningRate(0, 0),
                    ctx.configuration().getEpochsPerExperience(), m.epochCount());
            live.getUpdater().setLrAndSchedule(Double.NaN, s);
            live.getBiasUpdater().setLrAndSchedule(Double.NaN, s);
        } else if (conf.getSchedule() == AltaConfiguration.Schedule.AS_RELEASED) {
            live.getUpdater().setLrAndSchedule(1e-5, null);
            live.getBiasUpdater().setLrAndSchedule(1e-5, null);
        }
        followHeadSchedule(m);
        writeText(m, allClasses());
        LOG.info("ALTA: {} head on {} features of {}", conf.getHead(), nIn, m.describe());
    }

    /**
     * The context's updater: the head's (its learning rate or schedule, which the checkpointed network carries),
     * over the context's own state.
     */
    private void followHeadSchedule(ContinualModel m) {
        if (ctxUpdaterConf != null) {
            ctxUpdaterConf = ((AltaHeadLayer) m.headConf()).getUpdater().clone();
            ctxUpdater = ctxUpdaterConf.instantiate(ctxUpdaterState, false);
        }
    }

    private int[] allClasses() {
        return IntStream.range(0, k).toArray();
    }

    private int[] liveClasses() {
        return IntStream.range(0, k).filter(c -> !frozen[c]).toArray();
    }

    /** Writes w1 (all classes) and the current w2 of {@code classes} into the head's text columns. */
    private void writeText(ContinualModel m, int[] classes) {
        Map<String, INDArray> p = m.headParams();
        if (handText != null) {
            p.get(AltaHeadLayer.HAND_TEXT).assign(handText.transpose());
        }
        if (tower != null && classes.length > 0) {
            INDArray now = tower.classEmbeddings(classes);
            INDArray t2 = p.get(AltaHeadLayer.LEARNED_TEXT);
            for (int i = 0; i < classes.length; i++) {
                t2.getColumn(classes[i]).assign(now.getRow(i));
            }
        }
    }

    @Override
    public List<TrainingListener> listeners(ContinualContext ctx, Experience experience) {
        return List.of(new TextGradient());
    }

    @Override
    public ExperienceTraining training(ContinualContext ctx, Experience experience) {
        stepsHere = 0;
        int index = experience.index();
        return batch -> {
            step(ctx.model(), batch, index);
            return 1;
        };
    }

    private void step(ContinualModel m, MultiDataSet batch, int experience) {
        int out = m.classificationOutput();
        INDArray y = batch.getLabels(out);
        if (y.rank() != 2 || y.size(1) != k) {
            throw new IllegalArgumentException("ALTA needs one-hot labels over its " + k + " classes [n, " + k
                    + "] (got shape " + java.util.Arrays.toString(y.shape()) + ")");
        }
        ReplayBatch r = buffer == null ? null : buffer.sample(conf.getReplayBatchSize(), k, rng);
        if (buffer != null) {
            buffer.observeLazily(batch, () -> m.classScores(batch), experience, rng);
        }
        int nb = (int) y.size(0);
        int nr = r == null ? 0 : r.size();
        int n = nb + nr;
        INDArray labels = Nd4j.zeros(DataType.FLOAT, n, 2L * k + 2);
        labels.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, nb),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, k)).assign(y);
        labels.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, nb),
                org.nd4j.linalg.indexing.NDArrayIndex.point(2L * k)).assign((double) n / nb);
        INDArray[] features = batch.getFeatures();
        if (r != null) {
            INDArray rows = labels.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(nb, n),
                    org.nd4j.linalg.indexing.NDArrayIndex.all());
            rows.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, k))
                    .assign(r.labels());
            rows.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(k, 2 * k)).assign(r.logits());
            rows.getColumn(2L * k).assign(conf.getAlpha() * n / nr);
            rows.getColumn(2L * k + 1).assign(conf.getBeta() * n / nr);
            INDArray[] stored = r.toMultiDataSet().getFeatures();
            INDArray[] joined = new INDArray[features.length];
            for (int i = 0; i < features.length; i++) {
                joined[i] = Nd4j.concat(0, features[i], stored[i].castTo(features[i].dataType()));
            }
            features = joined;
        }
        INDArray[] allLabels = batch.getLabels().clone();
        allLabels[out] = labels.castTo(y.dataType());
        int iteration = m.iterationCount();
        int epoch = m.epochCount();
        pendingGrad = null;
        m.fit(new org.nd4j.linalg.dataset.MultiDataSet(features, allLabels));
        if (tower != null) {
            textStep(m, n, iteration, epoch);
        }
        steps++;
        stepsHere++;
    }

    /** Carries dL/dw2 back through the frozen text tower to ctx, updates ctx, recomputes the live w2. */
    private void textStep(ContinualModel m, int n, int iteration, int epoch) {
        if (pendingGrad == null) {
            throw new IllegalStateException("ALTA's listener saw no gradient of the learned text columns (was the "
                    + "step run without the plugin's listeners?)");
        }
        int[] live = liveClasses();
        if (live.length == 0) {
            return;
        }
        INDArray g = pendingGrad.transpose().getRows(live).divi(n).castTo(DataType.FLOAT);
        Map<String, INDArray> feed = tower.feed(live);
        feed.put(GRAD, g);
        SameDiff sd = tower.graph();
        INDArray gc = sd.calculateGradients(feed, PromptedTextTower.CONTEXT).get(PromptedTextTower.CONTEXT).dup();
        INDArray c = sd.getArrForVarName(PromptedTextTower.CONTEXT);
        double lr = ctxUpdaterConf.getLearningRate(iteration, epoch);
        if (conf.getWeightDecay() > 0) {
            new L2Regularization(conf.getWeightDecay()).apply(c, gc, lr, iteration, epoch);
        }
        ctxUpdater.applyUpdater(gc, iteration, epoch);
        c.subi(gc);
        writeText(m, live);
    }

    /** Reads dL/dw2 of the step and zeroes the text columns' gradients, so no updater moves them. */
    private final class TextGradient extends BaseTrainingListener {
        @Override
        public void onGradientCalculation(Model model) {
            Gradient g = model.gradient();
            for (Map.Entry<String, INDArray> e : g.gradientForVariable().entrySet()) {
                String key = e.getKey();
                if (key.endsWith("_" + AltaHeadLayer.LEARNED_TEXT)) {
                    pendingGrad = e.getValue().dup();
                }
                if (key.endsWith("_" + AltaHeadLayer.LEARNED_TEXT) || key.endsWith("_" + AltaHeadLayer.HAND_TEXT)) {
                    e.getValue().assign(0);
                }
            }
        }
    }

    @Override
    public void afterExperience(ContinualContext ctx, Experience experience) {
        if (conf.getHead().snapshotsPrompts()) {
            for (int c : experience.classArray()) {
                if (c >= 0 && c < k) {
                    frozen[c] = true;
                }
            }
        }
        LOG.info("ALTA experience {}: {} steps, buffer {}", experience.index(), stepsHere,
                buffer == null ? 0 : buffer.size());
    }

    @Override
    public Map<String, Double> experienceMetrics(ContinualContext ctx, Experience experience) {
        Map<String, Double> r = new TreeMap<>();
        r.put("alta.steps", (double) stepsHere);
        r.put("alta.buffer_size", (double) (buffer == null ? 0 : buffer.size()));
        r.put("alta.frozen_classes", (double) IntStream.range(0, k).filter(c -> frozen[c]).count());
        return r;
    }

    /** ctx, its updater state, the snapshot flags, the reservoir and its generator (detached copies). */
    @Override
    public Serializable saveState() {
        INDArray c = tower == null ? null : tower.context();
        return new Serializable[]{c, ctxUpdaterState == null ? null : ctxUpdaterState.dup(), frozen.clone(),
                buffer == null ? null : buffer.saveState(), SerializationUtils.clone(rng), steps};
    }

    @Override
    public void restoreState(ContinualContext ctx, Serializable state) {
        Serializable[] s = PluginStates.parts(state, 6, "an ALTA plugin");
        boolean[] f = PluginStates.part(s, 2, boolean[].class, false, "an ALTA plugin");
        Random r = PluginStates.part(s, 4, Random.class, false, "an ALTA plugin");
        Long n = PluginStates.part(s, 5, Long.class, false, "an ALTA plugin");
        if (f.length != k) {
            throw new IllegalArgumentException("The checkpoint's ALTA state has " + f.length + " classes, the "
                    + "configuration " + k);
        }
        if ((s[0] == null) != (tower == null) || (s[3] == null) != (buffer == null)) {
            throw new IllegalArgumentException("The checkpoint's ALTA state was written by another head or buffer "
                    + "setting than " + conf.getHead() + " with buffer " + conf.getBufferSize());
        }
        if (tower != null) {
            INDArray c = PluginStates.part(s, 0, INDArray.class, false, "an ALTA plugin");
            tower.graph().getArrForVarName(PromptedTextTower.CONTEXT).assign(c);
            if (ctxUpdaterState != null) {
                ctxUpdaterState.assign(PluginStates.part(s, 1, INDArray.class, false, "an ALTA plugin"));
            }
        }
        if (buffer != null) {
            buffer.restoreState(s[3]);
        }
        System.arraycopy(f, 0, frozen, 0, k);
        rng = SerializationUtils.clone(r);
        steps = n;
        restored = true;
    }

    /** @return whether class c's learned prompt is snapshotted (tests) */
    boolean isFrozen(int c) {
        return frozen[c];
    }

    /** @return a copy of the context vectors, null for heads without prompts (tests) */
    INDArray context() {
        return tower == null ? null : tower.context();
    }
}
