package io.github.dl4jcontinual.zoo.ctp;

/**
 * Hyper-parameters of {@link CtpLearner}. Defaults: the release's constants where they exist (queue 1024,
 * m = 0.9 / 0.995, α = ½, τ = 0.07, all CTP loss weights 1, EWC λ 5000, MAS λ 1, RWalk λ 1000, AdamW with weight
 * decay 0.05 and a per-iteration cosine schedule restarted each task, 5 epochs per task) and methods.md §2.9's
 * small-scale values otherwise (learning rate 1e-3 → 1e-5, batch 32). Mutable builder-style setters; the learner
 * copies nothing, so do not change a configuration while a learner uses it.
 */
public final class CtpLearnerConfiguration {
    VlMethod method = VlMethod.CTP;
    int epochs = 5;
    int batchSize = 32;
    double learningRate = 1e-3;
    double minLearningRate = 1e-5;
    double weightDecay = 0.05;
    int hidden = 256;
    int embedDim = 128;
    int adapterBottleneck = 64;
    int queueSize = 1024;
    double momentum = 0.9;
    double initMomentum = 0.995;
    double alpha = 0.5;
    double tau = 0.07;
    double initTemperature = 0.07;
    double lambdaIta = 1;
    double lambdaCmc = 1;
    double lambdaMd = 1;
    double lambdaTpx = 1;
    double lambdaTps = 1;
    double lambdaLwf = 1;
    double lambdaLucir = 1;
    double lambdaEwc = 5000;
    double lambdaMas = 1;
    double lambdaRwalk = 1000;
    int memory = 200;
    int kmeansIterations = 100;
    long seed = 1;
    PretrainedImageTower imageTower;

    private static double positive(String name, double v) {
        if (!(v > 0)) {
            throw new IllegalArgumentException(name + " should be > 0 (got: " + v + ")");
        }
        return v;
    }

    private static double nonNegative(String name, double v) {
        if (!(v >= 0)) {
            throw new IllegalArgumentException(name + " should be >= 0 (got: " + v + ")");
        }
        return v;
    }

    /** @param m the method @return this */
    public CtpLearnerConfiguration method(VlMethod m) {
        this.method = java.util.Objects.requireNonNull(m, "method");
        return this;
    }

    /** @return the method */
    public VlMethod method() {
        return method;
    }

    /** @param e epochs per task, ≥ 1 @return this */
    public CtpLearnerConfiguration epochs(int e) {
        positive("epochs", e);
        this.epochs = e;
        return this;
    }

    /** @param b minibatch size, ≥ 2 @return this */
    public CtpLearnerConfiguration batchSize(int b) {
        if (b < 2) {
            throw new IllegalArgumentException("batchSize should be >= 2 (got: " + b + ")");
        }
        this.batchSize = b;
        return this;
    }

    /** @param max start of the cosine schedule @param min its end @return this */
    public CtpLearnerConfiguration learningRate(double max, double min) {
        this.learningRate = positive("learningRate", max);
        this.minLearningRate = nonNegative("minLearningRate", min);
        return this;
    }

    /** @param wd decoupled weight decay @return this */
    public CtpLearnerConfiguration weightDecay(double wd) {
        this.weightDecay = nonNegative("weightDecay", wd);
        return this;
    }

    /** @param hidden image hidden width @param embedDim shared embedding width @param bottleneck text adapter
     * bottleneck @return this */
    public CtpLearnerConfiguration widths(int hidden, int embedDim, int bottleneck) {
        positive("hidden", hidden);
        positive("embedDim", embedDim);
        positive("bottleneck", bottleneck);
        this.hidden = hidden;
        this.embedDim = embedDim;
        this.adapterBottleneck = bottleneck;
        return this;
    }

    /**
     * Starts the image tower from a pretrained network instead of a random initialisation: layer 0 (a ReLU
     * {@code DenseLayer} reading the pixels) is copied now ({@link PretrainedImageTower#of}) and the hidden width
     * becomes its {@code nOut}; later layers are ignored. {@code null} restores the random start (hidden width
     * unchanged).
     *
     * @param net the pretrained network, or null
     * @return this
     * @throws IllegalArgumentException if the network does not fit (see {@link PretrainedImageTower#of})
     */
    public CtpLearnerConfiguration pretrainedImageTower(org.deeplearning4j.nn.multilayer.MultiLayerNetwork net) {
        this.imageTower = net == null ? null : PretrainedImageTower.of(net);
        if (imageTower != null) {
            this.hidden = imageTower.hidden();
        }
        return this;
    }

    /** @return the pretrained image tower, or null for the random start */
    public PretrainedImageTower pretrainedImageTower() {
        return imageTower;
    }

    /** @param q momentum-feature queue length @return this */
    public CtpLearnerConfiguration queueSize(int q) {
        positive("queueSize", q);
        this.queueSize = q;
        return this;
    }

    /** @param m compatible momentum (tasks ≥ 1) @param init EMA momentum of task 0 @param alpha weight of the
     * current model in the mixture @return this */
    public CtpLearnerConfiguration momentum(double m, double init, double alpha) {
        this.momentum = nonNegative("momentum", m);
        this.initMomentum = nonNegative("initMomentum", init);
        this.alpha = nonNegative("alpha", alpha);
        return this;
    }

    /** @param tau fixed temperature of the topology and LwF terms @return this */
    public CtpLearnerConfiguration tau(double tau) {
        this.tau = positive("tau", tau);
        return this;
    }

    /**
     * CTP loss weights.
     *
     * @param ita in-batch contrastive @param cmc momentum contrast @param md momentum distillation
     * @param tpx cross-modal topology @param tps intra-modal topology
     * @return this
     */
    public CtpLearnerConfiguration ctpWeights(double ita, double cmc, double md, double tpx, double tps) {
        this.lambdaIta = nonNegative("ita", ita);
        this.lambdaCmc = nonNegative("cmc", cmc);
        this.lambdaMd = nonNegative("md", md);
        this.lambdaTpx = nonNegative("tpx", tpx);
        this.lambdaTps = nonNegative("tps", tps);
        return this;
    }

    /** @param ewc EWC λ @param mas MAS λ @param rwalk RWalk λ @param lwf LwF weight @param lucir LUCIR weight
     * @return this */
    public CtpLearnerConfiguration baselineWeights(double ewc, double mas, double rwalk, double lwf, double lucir) {
        this.lambdaEwc = nonNegative("ewc", ewc);
        this.lambdaMas = nonNegative("mas", mas);
        this.lambdaRwalk = nonNegative("rwalk", rwalk);
        this.lambdaLwf = nonNegative("lwf", lwf);
        this.lambdaLucir = nonNegative("lucir", lucir);
        return this;
    }

    /** @param pairs episodic memory size in pairs (memory methods) @return this */
    public CtpLearnerConfiguration memory(int pairs) {
        nonNegative("memory", pairs);
        this.memory = pairs;
        return this;
    }

    /** @param s seed of initialisation, minibatch order and selection @return this */
    public CtpLearnerConfiguration seed(long s) {
        this.seed = s;
        return this;
    }

    /** @return the seed */
    public long seed() {
        return seed;
    }

    /** @return epochs per task */
    public int epochs() {
        return epochs;
    }
}
