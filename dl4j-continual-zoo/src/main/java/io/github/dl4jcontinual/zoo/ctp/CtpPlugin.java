package io.github.dl4jcontinual.zoo.ctp;

import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.ExperienceTraining;
import io.github.dl4jcontinual.plugin.StreamMetric;
import io.github.dl4jcontinual.scenario.Experience;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.distribution.ConstantDistribution;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.constraint.UnitNormConstraint;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.L2NormalizeVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.graph.ShiftVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.schedule.ISchedule;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The runtime of {@link CtpConfiguration}. The user's network is a {@link ComputationGraph} image model with one
 * input (pixels or images) and a feed-forward classification output layer, e.g. a classifier pretrained with
 * ordinary DL4J builders (a {@code MultiLayerNetwork}: pass {@code net.toComputationGraph()}). At the start of the
 * stream ({@link #onStreamStart}: the trainer checks the examples' inputs against the network before
 * {@code adaptModel}, so the text inputs must exist by then) the plugin rebuilds it with DL4J's
 * {@code TransferLearning.GraphBuilder}: the output layer is removed and its input becomes the image tower's
 * feature; on top come the image projection {@value #IMG_PROJ}, the text tower over the examples' second input
 * (frozen MiniLM sentence features, {@link PairScenarios}: a residual bottleneck adapter of dense layers, W2 = 0 at
 * the start, and the projection {@value #TXT_PROJ}), the learnable log inverse temperature {@value #SCALE} (a
 * 1 → 1 dense layer over a constant one) and, under the old output's name, a {@code LossLayer} with
 * {@link ContrastiveLoss} reading {@code [v_raw | w_raw | log scale | caption id]}. Every layer trains with DL4J's
 * Adam and decoupled {@code WeightDecay} (not the temperature); the learning rate follows a
 * {@link CosineSchedule} restarted with a fresh updater (state and iteration count) at every experience.
 *
 * <p>The training step ({@link #training}) is the network's own {@code fit} on the minibatch with CTP's extra
 * label columns: per step of experience t the momentum model gets the compatible update (t = 0: EMA), its batch
 * features and the queues become the keys, the reference (the model at the start of experience t &gt; 0) gives the
 * topology targets; the momentum features are then enqueued. With {@link CtpConfiguration.Builder#plain()} the
 * step is a plain fit (SeqF); core's regularisation and replay plugins compose with it. The VL baselines' own
 * terms use the same reference model: {@link CtpConfiguration.Builder#lwf} packs its unnormalised projections
 * (LwF), {@link CtpConfiguration.Builder#featureDistillation} its tower features (the image tower's output and
 * the text adapter's, which then also enter the merged output), and
 * {@link CtpConfiguration.Builder#cosineProjections} makes both projections cosine-normalised (LUCIR). Plugin
 * state: the two queues (the reference is rebuilt from the network at every experience start). Experience
 * metrics: {@code ctp.logit_scale}, {@code ctp.queue_size}, {@code ctp.schedule_steps} (the cosine's length: the
 * experience's steps, or the union's under core's {@code CumulativeTraining} / {@code JointTraining}). Stream
 * metrics: {@link #RETRIEVAL} (the seven recalls per domain) and {@link #CUMULATIVE} (CTP's eval.py measure,
 * entry k = the union of the test sets 0..k); {@link CtpResults} turns them into core's
 * {@code RetrievalMatrix} / {@code CumulativeRetrieval}. The trainer's own class-IL/task-IL matrices read the
 * loss layer's first columns and mean nothing here.</p>
 */
public final class CtpPlugin implements ContinualPlugin {
    /** Name of the image projection layer. */
    public static final String IMG_PROJ = "ctp_img_proj";
    /** Name of the text projection layer. */
    public static final String TXT_PROJ = "ctp_txt_proj";
    /** Name of the learnable log inverse temperature layer. */
    public static final String SCALE = "ctp_logit_scale";
    /** Name of the merged (packed) output vertex. */
    public static final String MERGE = "ctp_merge";
    /** Name of the text tower's feature (the adapter's output). */
    public static final String TXT_HIDDEN = "ctp_txt_hidden";
    /** Name of the L2 normalisation before the cosine image projection (LUCIR). */
    public static final String IMG_NORM = "ctp_img_norm";
    /** Name of the L2 normalisation before the cosine text projection (LUCIR). */
    public static final String TXT_NORM = "ctp_txt_norm";
    /** Name of the text input. */
    public static final String TEXT_INPUT = "ctp_text";
    /** Name of the caption-id input. */
    public static final String CAPTION_INPUT = "ctp_caption";
    /** Stream metric of per-domain retrieval. */
    public static final String RETRIEVAL = "retrieval";
    /** Stream metric of retrieval on cumulative test sets. */
    public static final String CUMULATIVE = "cumulative";
    private static final double MIN_SCALE = Math.log(2);
    private static final double MAX_SCALE = Math.log(100);

    private final CtpConfiguration conf;
    private FeatureQueue queueV;
    private FeatureQueue queueW;
    private INDArray momentum;
    private INDArray reference;
    private ComputationGraph aux;
    private int task;
    private long taskIteration;
    private CosineSchedule schedule;

    CtpPlugin(CtpConfiguration conf) {
        this.conf = conf;
        this.queueV = new FeatureQueue(conf.getQueueSize(), conf.getEmbedDim());
        this.queueW = new FeatureQueue(conf.getQueueSize(), conf.getEmbedDim());
    }

    private static ComputationGraph graph(ContinualContext ctx) {
        if (!(ctx.model().network() instanceof ComputationGraph)) {
            throw new IllegalArgumentException("CTP needs the image network as a ComputationGraph (one input, a "
                    + "feed-forward output layer); the model is a " + ctx.model().kind()
                    + ": wrap net.toComputationGraph() instead of a MultiLayerNetwork");
        }
        return (ComputationGraph) ctx.model().network();
    }

    /** @return whether {@code g} is already the assembled dual encoder (e.g. restored from a checkpoint) */
    public static boolean isAssembled(ComputationGraph g) {
        return g.getConfiguration().getVertices().containsKey(MERGE);
    }

    @Override
    public void onStreamStart(ContinualContext ctx) {
        ComputationGraph g = graph(ctx);
        if (isAssembled(g)) {
            return;
        }
        Experience first;
        try {
            first = ctx.trainExperience(0);
        } catch (RuntimeException e) {
            throw new IllegalStateException("CTP assembles the dual encoder from the first training experience's "
                    + "inputs: run it with ContinualTrainer.fit(scenario)", e);
        }
        if (first.numInputs() != 3) {
            throw new IllegalArgumentException("CTP needs examples with 3 inputs (image, text features, caption id; "
                    + "see PairScenarios) but the experiences have " + first.numInputs());
        }
        long[] text = first.exampleShape(1);
        if (text.length != 1 || text[0] < 1) {
            throw new IllegalArgumentException("CTP needs flat text features as input 1 (e.g. MiniLM's 384) but "
                    + "they have the shape " + java.util.Arrays.toString(text));
        }
        ctx.model().replace(assemble(g, ctx.model().classificationOutputName(), conf, (int) text[0],
                first.numClasses()));
    }

    /**
     * Builds the dual encoder from a user's image graph (see the class comment).
     *
     * @param user    the image graph (one input, output layer {@code output})
     * @param output  the name of its classification output layer; the loss layer gets this name
     * @param conf    the configuration
     * @param textDim width of the text features
     * @param classes label width of the scenario (the domains)
     * @return a new, initialised graph sharing nothing with {@code user}'s training state
     * @throws IllegalArgumentException naming what the network has when it does not fit
     */
    public static ComputationGraph assemble(ComputationGraph user, String output, CtpConfiguration conf, int textDim,
                                            int classes) {
        ComputationGraphConfiguration gc = user.getConfiguration();
        if (gc.getNetworkInputs().size() != 1) {
            throw new IllegalArgumentException("CTP needs an image network with one input; it has "
                    + gc.getNetworkInputs());
        }
        GraphVertex ov = gc.getVertices().get(output);
        Layer ol = ov instanceof LayerVertex ? ((LayerVertex) ov).getLayerConf().getLayer() : null;
        List<String> ins = gc.getVertexInputs().get(output);
        if (!(ol instanceof FeedForwardLayer) || ins == null || ins.size() != 1
                || ((FeedForwardLayer) ol).getNIn() < 1) {
            throw new IllegalArgumentException("CTP takes the input of the network's output layer '" + output
                    + "' as the image feature: it needs a feed-forward layer with nIn set and one input; it is "
                    + (ol == null ? String.valueOf(ov) : ol.getClass().getSimpleName()) + " with inputs " + ins);
        }
        long hidden = ((FeedForwardLayer) ol).getNIn();
        int d = conf.getEmbedDim();
        double wd = conf.getWeightDecay();
        Adam adam = new Adam(conf.getLearningRate());
        // the new layers' initialisation follows the user's seed (FineTuneConfiguration's default is the clock)
        FineTuneConfiguration ft = new FineTuneConfiguration.Builder().updater(adam)
                .seed(gc.getDefaultConfiguration().getSeed()).build();
        boolean fd = conf.usesFeatureDistillation();
        ContrastiveLoss lossFn = new ContrastiveLoss(d, classes, conf.getTau(), conf.getWeights(), conf.getLwf(),
                conf.getFeatureDistillation(), fd ? (int) hidden : 0, fd ? textDim : 0);
        ContrastiveLossLayer loss = new ContrastiveLossLayer(lossFn, lossFn.outputWidth(), classes);
        boolean cos = conf.isCosineProjections();
        String imgIn = cos ? IMG_NORM : ins.get(0);
        String txtIn = cos ? TXT_NORM : TXT_HIDDEN;
        TransferLearning.GraphBuilder gb = new TransferLearning.GraphBuilder(user).fineTuneConfiguration(ft)
                .removeVertexAndConnections(output)
                .addInputs(TEXT_INPUT, CAPTION_INPUT);
        if (cos) {
            gb.addVertex(IMG_NORM, new L2NormalizeVertex(new int[]{1}, 1e-12), ins.get(0));
        }
        gb.addLayer(IMG_PROJ, projection(hidden, d, cos, adam), imgIn)
                .addLayer("ctp_txt_down", new DenseLayer.Builder().nIn(textDim).nOut(conf.getAdapterBottleneck())
                        .activation(Activation.RELU).weightInit(new NormalDistribution(0, 0.02)).updater(adam).build(),
                        TEXT_INPUT)
                .addLayer("ctp_txt_up", dense(conf.getAdapterBottleneck(), textDim, Activation.IDENTITY,
                        WeightInit.ZERO, adam, wd), "ctp_txt_down")
                .addVertex(TXT_HIDDEN, new ElementWiseVertex(ElementWiseVertex.Op.Add), TEXT_INPUT,
                        "ctp_txt_up");
        if (cos) {
            gb.addVertex(TXT_NORM, new L2NormalizeVertex(new int[]{1}, 1e-12), TXT_HIDDEN);
        }
        List<String> merged = new ArrayList<>(List.of(IMG_PROJ, TXT_PROJ, SCALE, CAPTION_INPUT));
        if (fd) {
            merged.add(ins.get(0));
            merged.add(TXT_HIDDEN);
        }
        gb.addLayer(TXT_PROJ, projection(textDim, d, cos, adam), txtIn)
                .addVertex("ctp_zero", new ScaleVertex(0), CAPTION_INPUT)
                .addVertex("ctp_one", new ShiftVertex(1), "ctp_zero")
                .addLayer(SCALE, new DenseLayer.Builder().nIn(1).nOut(1).hasBias(false)
                        .activation(Activation.IDENTITY).updater(adam)
                        .weightInit(new ConstantDistribution(Math.log(1 / conf.getInitTemperature()))).build(),
                        "ctp_one")
                .addVertex(MERGE, new MergeVertex(), merged.toArray(new String[0]))
                .addLayer(output, loss, MERGE)
                .setOutputs(output);
        ComputationGraph g = gb.build();
        if (cos) {
            // start on the unit sphere; the UnitNormConstraint keeps every output unit's weights there after each step
            for (String l : List.of(IMG_PROJ, TXT_PROJ)) {
                INDArray w = g.getLayer(l).getParam("W");
                w.diviRowVector(w.norm2(0).addi(1e-12));
            }
        }
        // decoupled weight decay (DL4J's WeightDecay, times the learning rate, applied after Adam) on every weight
        // and bias, the temperature excepted (as in the release); set on the built configurations, which the
        // updater reads at every step (FineTuneConfiguration's weightDecay fails in DL4J M2.1's LayerValidation)
        for (org.deeplearning4j.nn.api.Layer l : g.getLayers()) {
            if (l.conf().getLayer() instanceof BaseLayer && !SCALE.equals(l.conf().getLayer().getLayerName())) {
                BaseLayer b = (BaseLayer) l.conf().getLayer();
                b.setRegularization(wd > 0 ? new ArrayList<>(List.of(new WeightDecay(wd, true))) : new ArrayList<>());
                b.setRegularizationBias(wd > 0 ? new ArrayList<>(List.of(new WeightDecay(wd, true)))
                        : new ArrayList<>());
            }
        }
        return g;
    }

    private static Layer dense(long in, long out, Activation act, WeightInit init, Adam adam, double wd) {
        return new DenseLayer.Builder().nIn(in).nOut(out).activation(act).weightInit(init).updater(adam).build();
    }

    /** A plain linear projection, or LUCIR's cosine one (unit-norm weights per output unit, no bias). */
    private static Layer projection(long in, long out, boolean cosine, Adam adam) {
        DenseLayer.Builder b = new DenseLayer.Builder().nIn(in).nOut(out).activation(Activation.IDENTITY)
                .weightInit(WeightInit.UNIFORM).updater(adam);
        if (cosine) {
            b.hasBias(false).constrainWeights(new UnitNormConstraint(0));
        }
        return b.build();
    }

    @Override
    public void beforeExperience(ContinualContext ctx, Experience experience) {
        ComputationGraph g = graph(ctx);
        task = experience.index();
        ctx.model().resetUpdater();
        // a new optimiser per experience: Adam's state and its bias-correction step restart
        g.getConfiguration().setIterationCount(0);
        taskIteration = 0;
        int batch = ctx.configuration().getBatchSize();
        long steps = (long) ctx.configuration().getEpochsPerExperience()
                * ((trainingExamples(ctx, experience) + batch - 1) / batch);
        schedule = new CosineSchedule(conf.getLearningRate(), conf.getMinLearningRate(), Math.max(1, steps));
        INDArray params = g.params().dup();
        reference = task > 0 && conf.usesReference() ? params : null;
        momentum = conf.usesMomentum() ? params.dup() : null;
        if ((momentum != null || reference != null) && aux == null) {
            aux = g.clone();
        }
    }

    /**
     * The examples of this experience's training data: its own, or, with core's {@code CumulativeTraining} /
     * {@code JointTraining} among the plugins, the union of the experiences so far (what that plugin trains on).
     */
    private static long trainingExamples(ContinualContext ctx, Experience experience) {
        boolean cumulative = ctx.configuration().getPlugins().stream()
                .anyMatch(p -> p instanceof io.github.dl4jcontinual.plugin.impl.CumulativeTraining);
        if (!cumulative) {
            return experience.numExamples();
        }
        long n = 0;
        for (int i = 0; i <= experience.index(); i++) {
            n += ctx.trainExperience(i).numExamples();
        }
        return n;
    }

    @Override
    public ExperienceTraining training(ContinualContext ctx, Experience experience) {
        return batch -> step(ctx, batch);
    }

    private long step(ContinualContext ctx, MultiDataSet batch) {
        ContinualModel model = ctx.model();
        ComputationGraph g = graph(ctx);
        INDArray[] features = batch.getFeatures();
        if (features.length != 3) {
            throw new IllegalArgumentException("CTP needs 3 inputs per minibatch (image, text, caption id); got "
                    + features.length);
        }
        int n = (int) features[0].size(0);
        if (n < 2) {
            return 0;
        }
        model.setLearningRate(schedule.valueAt((int) taskIteration, 0));
        INDArray labels = batch.getLabels(0);
        int[] ids = ids(features[2]);
        INDArray mv = null;
        INDArray mw = null;
        INDArray kv = null;
        INDArray kw = null;
        int[] keyIds = null;
        if (momentum != null) {
            INDArray theta = g.params();
            if (reference == null) {
                double m = conf.getInitMomentum();
                momentum.muli(m).addi(theta.mul(1 - m));
            } else {
                double m = conf.getMomentum();
                double a = conf.getAlpha();
                momentum.muli(m).addi(theta.mul((1 - m) * a)).addi(reference.mul((1 - m) * (1 - a)));
            }
            INDArray[] f = embed(momentum, features);
            mv = f[0];
            mw = f[1];
            INDArray qv = queueV.features();
            INDArray qw = queueW.features();
            kv = qv == null ? mv : Nd4j.vstack(mv, qv);
            kw = qw == null ? mw : Nd4j.vstack(mw, qw);
            keyIds = concat(ids, queueW.ids());
        }
        INDArray rv = null;
        INDArray rw = null;
        INDArray rawV = null;
        INDArray rawW = null;
        INDArray hv = null;
        INDArray hw = null;
        if (reference != null) {
            aux.setParams(reference);
            Map<String, INDArray> a = aux.feedForward(features, false, false);
            if (conf.usesTopology()) {
                rv = normalise(a.get(IMG_PROJ).dup());
                rw = normalise(a.get(TXT_PROJ).dup());
            }
            if (conf.getLwf() > 0) {
                rawV = a.get(IMG_PROJ).dup();
                rawW = a.get(TXT_PROJ).dup();
            }
            if (conf.usesFeatureDistillation()) {
                List<String> merged = g.getConfiguration().getVertexInputs().get(MERGE);
                hv = a.get(merged.get(4)).dup();
                hw = a.get(merged.get(5)).dup();
            }
        }
        INDArray packed = momentum == null && reference == null ? labels
                : ContrastiveLoss.pack(labels, keyIds, kv, kw, mv, mw, rv, rw, rawV, rawW, hv, hw);
        INDArray[] ls = batch.getLabels().clone();
        ls[0] = packed;
        model.fit(new org.nd4j.linalg.dataset.MultiDataSet(features, ls, batch.getFeaturesMaskArrays(), null));
        INDArray scale = g.getLayer(SCALE).getParam("W");
        scale.assign(Math.max(MIN_SCALE, Math.min(MAX_SCALE, scale.getDouble(0))));
        if (mv != null) {
            queueV.enqueue(mv, ids);
            queueW.enqueue(mw, ids);
        }
        taskIteration++;
        return 1;
    }

    /** Normalised image and text embeddings of the batch under {@code params}. */
    private INDArray[] embed(INDArray params, INDArray[] features) {
        aux.setParams(params);
        Map<String, INDArray> a = aux.feedForward(features, false, false);
        return new INDArray[]{normalise(a.get(IMG_PROJ).dup()), normalise(a.get(TXT_PROJ).dup())};
    }

    static INDArray normalise(INDArray x) {
        INDArray n = x.mul(x).sum(true, 1).addi(1e-12);
        org.nd4j.linalg.ops.transforms.Transforms.sqrt(n, false);
        return x.divColumnVector(n);
    }

    static int[] ids(INDArray column) {
        double[] v = column.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (int) Math.round(v[i]);
        }
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /**
     * @param rows ids of the rows
     * @param cols ids of the columns
     * @return the rows-normalised indicator of equal ids, {@code [rows.length, cols.length]} (same-caption
     * positives)
     * @throws IllegalStateException if a row has no positive
     */
    static INDArray positives(int[] rows, int[] cols) {
        float[][] p = new float[rows.length][cols.length];
        for (int i = 0; i < rows.length; i++) {
            int c = 0;
            for (int col : cols) {
                if (rows[i] == col) {
                    c++;
                }
            }
            if (c == 0) {
                throw new IllegalStateException("row " + i + " (caption " + rows[i] + ") has no positive key");
            }
            for (int j = 0; j < cols.length; j++) {
                if (rows[i] == cols[j]) {
                    p[i][j] = 1f / c;
                }
            }
        }
        return Nd4j.createFromArray(p);
    }

    @Override
    public void afterExperience(ContinualContext ctx, Experience experience) {
        momentum = null;
        reference = null;
    }

    @Override
    public Map<String, Double> experienceMetrics(ContinualContext ctx, Experience experience) {
        Map<String, Double> m = new HashMap<>();
        m.put("ctp.logit_scale", Math.exp(graph(ctx).getLayer(SCALE).getParam("W").getDouble(0)));
        m.put("ctp.queue_size", (double) queueV.size());
        m.put("ctp.schedule_steps", (double) schedule.steps);
        return m;
    }

    @Override
    public List<StreamMetric> streamMetrics(ContinualContext ctx) {
        return List.of(new Retrieval(false), new Retrieval(true));
    }

    /** {@inheritDoc} <p>The two queues (features, caption ids, pointer, size), as JDK arrays.</p> */
    @Override
    public Serializable saveState() {
        HashMap<String, Serializable> s = new HashMap<>();
        s.put("v", queueState(queueV));
        s.put("w", queueState(queueW));
        return s;
    }

    private static HashMap<String, Serializable> queueState(FeatureQueue q) {
        HashMap<String, Serializable> m = new HashMap<>();
        INDArray f = q.features();
        m.put("rows", f == null ? new float[0] : f.castTo(DataType.FLOAT).dup('c').data().asFloat());
        m.put("ids", q.ids());
        m.put("pointer", q.pointer());
        return m;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void restoreState(ContinualContext ctx, Serializable state) {
        if (!(state instanceof Map)) {
            throw new IllegalArgumentException("CTP expects its queues in the checkpoint, got "
                    + (state == null ? "null" : state.getClass().getName()));
        }
        Map<String, Object> s = (Map<String, Object>) state;
        queueV = restoreQueue((Map<String, Object>) s.get("v"));
        queueW = restoreQueue((Map<String, Object>) s.get("w"));
    }

    private FeatureQueue restoreQueue(Map<String, Object> m) {
        FeatureQueue q = new FeatureQueue(conf.getQueueSize(), conf.getEmbedDim());
        float[] rows = (float[]) m.get("rows");
        int[] ids = (int[]) m.get("ids");
        int pointer = (Integer) m.get("pointer");
        if (ids.length > 0) {
            q.restore(Nd4j.createFromArray(rows).reshape('c', ids.length, conf.getEmbedDim()), ids, pointer);
        }
        return q;
    }

    /** The per-domain or cumulative retrieval metric (7 recalls per test entry, fractions of 10^6 counts). */
    private static final class Retrieval implements StreamMetric {
        static final String[] ROWS = {"tr1", "tr5", "tr10", "ir1", "ir5", "ir10", "rm"};
        static final long SCALE_COUNT = 1_000_000L;
        private final boolean cumulative;

        Retrieval(boolean cumulative) {
            this.cumulative = cumulative;
        }

        @Override
        public String name() {
            return cumulative ? CUMULATIVE : RETRIEVAL;
        }

        @Override
        public boolean hasBaseline() {
            return !cumulative;
        }

        @Override
        public io.github.dl4jcontinual.eval.MetricRow evaluate(ContinualContext ctx, List<Experience> test) {
            long[][] correct = new long[ROWS.length][test.size()];
            long[] totals = new long[test.size()];
            java.util.Arrays.fill(totals, SCALE_COUNT);
            List<INDArray[]> union = new ArrayList<>();
            int last = cumulative ? Math.min(ctx.experienceIndex(), test.size() - 1) : test.size() - 1;
            for (int j = 0; j < test.size(); j++) {
                INDArray[] f = PairScenarios.allFeatures(test.get(j), ctx.configuration().getEvalBatchSize());
                double[] r;
                if (cumulative) {
                    union.add(f);
                    if (j > last) {
                        for (long[] c : correct) {
                            c[j] = -1;
                        }
                        continue;
                    }
                    r = score(ctx.model(), PairScenarios.concat(union));
                } else {
                    r = score(ctx.model(), f);
                }
                for (int k = 0; k < ROWS.length; k++) {
                    correct[k][j] = Math.round(r[k] * SCALE_COUNT);
                }
            }
            io.github.dl4jcontinual.eval.MetricRow row = new io.github.dl4jcontinual.eval.MetricRow();
            for (int k = 0; k < ROWS.length; k++) {
                row.put(ROWS[k], correct[k], totals);
            }
            return row;
        }
    }

    /**
     * Cross-modal retrieval of one test set: image→text over its distinct captions, text→image from each
     * distinct caption (as docs/ctp.md §6).
     *
     * @param model    the assembled dual encoder
     * @param features image, text features, caption ids of the test pairs
     * @return {TR@1, TR@5, TR@10, IR@1, IR@5, IR@10, R_m}
     */
    static double[] score(ContinualModel model, INDArray[] features) {
        int[] ids = ids(features[2]);
        Map<Integer, Integer> pos = new java.util.LinkedHashMap<>();
        List<Integer> firstRow = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            if (!pos.containsKey(ids[i])) {
                pos.put(ids[i], pos.size());
                firstRow.add(i);
            }
        }
        int[] rep = firstRow.stream().mapToInt(Integer::intValue).toArray();
        INDArray v = normalise(model.activations(IMG_PROJ, features, null).dup());
        INDArray[] distinct = {features[0].getRows(rep), features[1].getRows(rep), features[2].getRows(rep)};
        INDArray w = normalise(model.activations(TXT_PROJ, distinct, null).dup());
        int[][] textsOfImage = new int[ids.length][];
        List<List<Integer>> imagesOfText = new ArrayList<>();
        for (int c = 0; c < rep.length; c++) {
            imagesOfText.add(new ArrayList<>());
        }
        for (int i = 0; i < ids.length; i++) {
            int c = pos.get(ids[i]);
            textsOfImage[i] = new int[]{c};
            imagesOfText.get(c).add(i);
        }
        int[][] iot = new int[rep.length][];
        for (int c = 0; c < iot.length; c++) {
            iot[c] = imagesOfText.get(c).stream().mapToInt(Integer::intValue).toArray();
        }
        return io.github.dl4jcontinual.eval.RetrievalMetrics.crossModal(v.mmul(w.transpose()), textsOfImage, iot);
    }

    /**
     * Per-iteration cosine annealing from {@code start} to {@code end} over {@code steps} iterations (then
     * {@code end}), as the release's per-iteration scheduler. JSON-serialisable.
     */
    public static final class CosineSchedule implements ISchedule {
        private static final long serialVersionUID = 1L;
        @org.nd4j.shade.jackson.annotation.JsonProperty("start")
        private final double start;
        @org.nd4j.shade.jackson.annotation.JsonProperty("end")
        private final double end;
        @org.nd4j.shade.jackson.annotation.JsonProperty("steps")
        private final long steps;

        /**
         * @param start value at iteration 0
         * @param end   value from iteration {@code steps} on
         * @param steps length of the cosine (&gt;= 1)
         */
        public CosineSchedule(@org.nd4j.shade.jackson.annotation.JsonProperty("start") double start,
                              @org.nd4j.shade.jackson.annotation.JsonProperty("end") double end,
                              @org.nd4j.shade.jackson.annotation.JsonProperty("steps") long steps) {
            if (steps < 1) {
                throw new IllegalArgumentException("steps should be >= 1 (got: " + steps + ")");
            }
            this.start = start;
            this.end = end;
            this.steps = steps;
        }

        @Override
        public double valueAt(int iteration, int epoch) {
            double t = Math.min(1.0, (double) iteration / steps);
            return end + 0.5 * (start - end) * (1 + Math.cos(Math.PI * t));
        }

        @Override
        public ISchedule clone() {
            return new CosineSchedule(start, end, steps);
        }
    }
}
