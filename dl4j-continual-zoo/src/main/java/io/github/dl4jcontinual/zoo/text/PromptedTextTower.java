package io.github.dl4jcontinual.zoo.text;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A frozen {@link TextEncoder} ({@link BertTextEncoder}, {@link ClipTextEncoder}) turned into a class-prompt learner (CoOp style), as one SameDiff graph. Every
 * class c is encoded from the token sequence {@code [CLS] ctx_1..ctx_M name_c suffix [SEP]} (context
 * {@link ContextPosition#BEFORE_NAME}, CoOp's "end") or {@code [CLS] name_c ctx_1..ctx_M suffix [SEP]}
 * ({@link ContextPosition#AFTER_NAME}), where the M context vectors {@value #CONTEXT} {@code [M, hidden]} are one
 * trainable variable shared by all classes, inserted after the word-embedding lookup and initialised from the
 * word embeddings of a phrase ("a photo of a"). Optional {@link ResidualAdapter}s after chosen layers are trainable
 * too; every tower weight is a constant (bit-identical after training).
 *
 * <p>The graph's output {@value #OUTPUT} {@code [n, outputWidth]} holds the (unnormalised) pooled embeddings
 * (BERT: masked mean; CLIP: the end-of-text token's state, projected) of
 * the classes fed by {@link #feed(int...)}. Callers add their loss on top of {@link #output()} in
 * {@link #graph()}, set it as loss variable and train {@link #trainableVariables()}.
 */
public final class PromptedTextTower {
    /** Name of the context variable {@code [M, hidden]}. */
    public static final String CONTEXT = "ctx";
    /** Name of the output {@code [n, outputWidth]}. */
    public static final String OUTPUT = "text";
    private static final String IDS = "prompt_ids";
    private static final String SELECT = "prompt_select";
    private static final String MASK = "prompt_mask";
    private static final String PREFIX = "tower/";

    /** Where the learned context goes relative to the class-name tokens. */
    public enum ContextPosition { BEFORE_NAME, AFTER_NAME }

    private final SameDiff sd;
    private final SDVariable output;
    private final int[][] rows;
    private final int tokens;
    private final int contexts;
    private final DataType type;
    private final List<String> trainable;

    private PromptedTextTower(Builder b) {
        if (b.encoder == null || b.tokenizer == null || b.classNames == null || b.classNames.isEmpty()) {
            throw new IllegalArgumentException("encoder, tokenizer and non-empty classNames are required");
        }
        this.type = b.type;
        INDArray ctxInit;
        if (b.contextInit != null) {
            ctxInit = b.encoder.wordEmbeddings(b.tokenizer.tokenize(b.contextInit)).castTo(type);
        } else {
            if (b.contextLength <= 0) {
                throw new IllegalArgumentException("contextLength should be > 0 (got: " + b.contextLength + ")");
            }
            Nd4j.getRandom().setSeed(b.seed);
            ctxInit = Nd4j.randn(type, b.contextLength, b.encoder.hidden()).muli(0.02);
        }
        this.contexts = (int) ctxInit.size(0);
        int[] suffix = b.suffix == null || b.suffix.isBlank() ? new int[0] : b.tokenizer.tokenize(b.suffix);
        this.rows = new int[b.classNames.size()][];
        int t = 0;
        for (int c = 0; c < rows.length; c++) {
            int[] name = b.tokenizer.tokenize(b.classNames.get(c));
            int[] body = new int[contexts + name.length + suffix.length];
            int nameAt = b.position == ContextPosition.BEFORE_NAME ? contexts : 0;
            int ctxAt = b.position == ContextPosition.BEFORE_NAME ? 0 : name.length;
            for (int k = 0; k < contexts; k++) {
                body[ctxAt + k] = -(k + 1);
            }
            System.arraycopy(name, 0, body, nameAt, name.length);
            System.arraycopy(suffix, 0, body, contexts + name.length, suffix.length);
            rows[c] = TokenLayout.wrap(b.tokenizer, body);
            t = Math.max(t, rows[c].length);
        }
        this.tokens = t;
        if (tokens > b.encoder.maxPositions()) {
            throw new IllegalArgumentException("Longest prompt has " + tokens + " tokens, the encoder supports "
                    + b.encoder.maxPositions());
        }
        Nd4j.getRandom().setSeed(b.seed);
        this.sd = SameDiff.create();
        SDVariable ids = sd.placeHolder(IDS, DataType.INT, -1);
        SDVariable select = sd.placeHolder(SELECT, type, -1, contexts);
        SDVariable mask = sd.placeHolder(MASK, type, -1, tokens);
        SDVariable ctx = sd.var(CONTEXT, ctxInit);
        SDVariable words = b.encoder.lookup(sd, PREFIX, ids, type);
        SDVariable emb = words.mul(select.sum(true, 1).rsub(1.0)).add(select.mmul(ctx));
        List<String> names = new ArrayList<>();
        names.add(CONTEXT);
        Map<Integer, Integer> adapters = new TreeMap<>(b.adapters);
        for (int l : adapters.keySet()) {
            if (l < 0 || l >= b.encoder.layers()) {
                throw new IllegalArgumentException("Adapter layer " + l + " outside [0, " + b.encoder.layers() + ")");
            }
            names.addAll(ResidualAdapter.variableNames(adapterName(l)));
        }
        int width = b.encoder.hidden();
        SDVariable pooled = b.encoder.encode(sd, PREFIX, emb, mask, tokens, (l, h) -> adapters.containsKey(l)
                ? ResidualAdapter.apply(sd, adapterName(l), h, width, adapters.get(l), type) : h);
        this.output = pooled.rename(OUTPUT);
        this.trainable = Collections.unmodifiableList(names);
    }

    private static String adapterName(int layer) {
        return "text_adapter" + layer;
    }

    /** The graph (tower constants, trainable variables, placeholders, output). */
    public SameDiff graph() {
        return sd;
    }

    /** The output variable {@value #OUTPUT}, {@code [n, outputWidth]}. */
    public SDVariable output() {
        return output;
    }

    /** Names of the trainable variables: the context, then each adapter's four. */
    public List<String> trainableVariables() {
        return trainable;
    }

    /** Number of classes. */
    public int numClasses() {
        return rows.length;
    }

    /** Number of context vectors M. */
    public int contextLength() {
        return contexts;
    }

    /** Padded prompt length T. */
    public int tokens() {
        return tokens;
    }

    /** A copy of the current context vectors {@code [M, hidden]}. */
    public INDArray context() {
        return sd.getArrForVarName(CONTEXT).dup();
    }

    /** Placeholder values that make {@link #output()} the embeddings of {@code classes}, in that order. */
    public Map<String, INDArray> feed(int... classes) {
        if (classes.length == 0) {
            throw new IllegalArgumentException("No classes to encode");
        }
        int[][] seqs = new int[classes.length][];
        for (int i = 0; i < classes.length; i++) {
            if (classes[i] < 0 || classes[i] >= rows.length) {
                throw new IllegalArgumentException("Class " + classes[i] + " outside [0, " + rows.length + ")");
            }
            seqs[i] = rows[classes[i]];
        }
        TokenLayout.Batch batch = new TokenLayout.Batch(seqs, tokens);
        Map<String, INDArray> m = new HashMap<>();
        m.put(IDS, batch.flatIds());
        m.put(SELECT, batch.contextSelection(contexts, type));
        m.put(MASK, batch.mask(type));
        return m;
    }

    /** All classes 0..K-1. */
    public int[] allClasses() {
        int[] c = new int[rows.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = i;
        }
        return c;
    }

    /** Current embeddings of {@code classes} ({@code [n, outputWidth]}, detached). */
    public INDArray classEmbeddings(int... classes) {
        return output.eval(feed(classes)).detach();
    }

    /** Builder; defaults: context "a photo of a" before the name, suffix ".", no adapters, FLOAT, seed 12345. */
    public static final class Builder {
        private TextEncoder encoder;
        private TextTokenizer tokenizer;
        private List<String> classNames;
        private String contextInit = "a photo of a";
        private int contextLength;
        private ContextPosition position = ContextPosition.BEFORE_NAME;
        private String suffix = ".";
        private final Map<Integer, Integer> adapters = new HashMap<>();
        private DataType type = DataType.FLOAT;
        private long seed = 12345;

        /** The frozen encoder (its sequence-start/end tokens are the tokenizer's {@code clsId}/{@code sepId}). */
        public Builder encoder(TextEncoder e) {
            this.encoder = e;
            return this;
        }

        /** The encoder's tokenizer. */
        public Builder tokenizer(TextTokenizer t) {
            this.tokenizer = t;
            return this;
        }

        /** Class names, index = class id. */
        public Builder classNames(List<String> names) {
            this.classNames = List.copyOf(names);
            return this;
        }

        /** Initialises the context from this phrase's word embeddings (M = its token count). */
        public Builder contextInit(String phrase) {
            if (phrase == null || phrase.isBlank()) {
                throw new IllegalArgumentException("contextInit should be a non-blank phrase (got: '" + phrase + "')");
            }
            this.contextInit = phrase;
            return this;
        }

        /** Uses M random N(0, 0.02²) context vectors instead of a phrase. */
        public Builder randomContext(int m) {
            this.contextInit = null;
            this.contextLength = m;
            return this;
        }

        /** Where the context goes relative to the class name. */
        public Builder position(ContextPosition p) {
            this.position = p;
            return this;
        }

        /** Text after the class name (e.g. "."), or null/blank for none. */
        public Builder suffix(String s) {
            this.suffix = s;
            return this;
        }

        /** Adds a residual adapter of the given bottleneck width after encoder layer {@code layer} (0-based). */
        public Builder adapterAfterLayer(int layer, int bottleneck) {
            if (bottleneck <= 0) {
                throw new IllegalArgumentException("bottleneck should be > 0 (got: " + bottleneck + ")");
            }
            adapters.put(layer, bottleneck);
            return this;
        }

        /** FLOAT (default) or DOUBLE (gradient checks). */
        public Builder dataType(DataType t) {
            if (!t.isFPType()) {
                throw new IllegalArgumentException("dataType should be floating point (got: " + t + ")");
            }
            this.type = t;
            return this;
        }

        /** Seed of random context/adapter initialisation. */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        public PromptedTextTower build() {
            return new PromptedTextTower(this);
        }
    }
}
