package io.github.dl4jcontinual.zoo.ctp;

import io.github.dl4jcontinual.zoo.text.BertTextEncoder;
import io.github.dl4jcontinual.zoo.text.TextTokenizer;
import io.github.dl4jcontinual.zoo.text.TokenLayout;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/**
 * The "partly trainable" text tower: the pretrained encoder's layers 0..L−k−1 stay frozen and are run once per
 * distinct caption and cached (token states and padding mask), while its top {@code k} layers become part of the
 * {@link DualEncoder} graph with trainable copies of their pretrained weights (variables
 * {@code txt_bert.encoder.layer.l.…}), followed by masked mean pooling; untrained, the pooled output equals
 * {@link CachedTextFeatures}' frozen embedding. The CTP plugin does not train these layers yet (docs/ctp.md §9):
 * only {@link DualEncoder}'s reference graph uses them.
 *
 * <p>A feature row packs one caption's cached input: the {@code tokens × hidden} token states (row-major) followed
 * by the {@code tokens} mask values, so rows can be sliced, batched and cached like sentence embeddings.
 * Captions are padded to a fixed {@code tokens} positions; a longer caption is rejected. Not thread-safe.
 */
public final class TopLayerTextFeatures implements TextFeatures {
    /** Name prefix of the trainable layer variables in the graph. */
    public static final String PREFIX = "txt_bert.";
    private final BertTextEncoder encoder;
    private final int trainable;
    private final int tokens;
    private final CachedTextFeatures cache;

    /**
     * @param encoder   the pretrained encoder (its weights are copied into the graph, never modified)
     * @param tokenizer its tokenizer (kept open by the caller while this object is used)
     * @param trainable number of top layers to train, 1..{@link BertTextEncoder#layers()}
     * @param tokens    padded length with [CLS]/[SEP] (see {@link #longest})
     */
    public TopLayerTextFeatures(BertTextEncoder encoder, TextTokenizer tokenizer, int trainable, int tokens) {
        if (trainable < 1 || trainable > encoder.layers()) {
            throw new IllegalArgumentException("trainable text layers should be in [1, " + encoder.layers()
                    + "] (got: " + trainable + ")");
        }
        if (tokens < 1 || tokens > encoder.maxPositions()) {
            throw new IllegalArgumentException("tokens should be in [1, " + encoder.maxPositions() + "] (got: "
                    + tokens + ")");
        }
        this.encoder = encoder;
        this.trainable = trainable;
        this.tokens = tokens;
        int h = encoder.hidden();
        this.cache = new CachedTextFeatures(texts -> {
            INDArray[] sm = encoder.tokenStates(tokenizer, texts, encoder.layers() - trainable, tokens);
            return Nd4j.hstack(sm[0].reshape(texts.size(), (long) tokens * h), sm[1]);
        }, tokens * (h + 1));
    }

    /** @return the longest {@code [CLS] caption [SEP]} sequence among {@code captions}: the smallest valid tokens */
    public static int longest(TextTokenizer tokenizer, List<String> captions) {
        int t = 1;
        for (int[] s : TokenLayout.wrapAll(tokenizer, captions)) {
            t = Math.max(t, s.length);
        }
        return t;
    }

    @Override
    public INDArray features(List<String> captions) {
        return cache.features(captions);
    }

    /** @return the packed row width {@code tokens × (hidden + 1)} */
    @Override
    public int dim() {
        return tokens * (encoder.hidden() + 1);
    }

    /** @return the pooled output width (the encoder's hidden width) */
    public int pooledDim() {
        return encoder.hidden();
    }

    /** @return the number of trained top layers */
    public int trainableLayers() {
        return trainable;
    }

    /** @return the padded sequence length */
    public int tokens() {
        return tokens;
    }

    /** @return the names of the trainable layer variables, in a fixed order */
    public List<String> variableNames() {
        List<String> out = new ArrayList<>();
        for (int l = encoder.layers() - trainable; l < encoder.layers(); l++) {
            for (String n : BertTextEncoder.layerWeightNames(l)) {
                out.add(PREFIX + n);
            }
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Adds the trainable top layers to {@code sd}.
     *
     * @param packed feature rows {@code [N, dim()]}
     * @return the pooled sentence embedding {@code [N, pooledDim()]}
     */
    SDVariable build(SameDiff sd, SDVariable packed, DataType type) {
        int h = encoder.hidden();
        SDVariable x = packed.get(SDIndex.all(), SDIndex.interval(0, tokens * h)).reshape(-1, h);
        SDVariable mask = packed.get(SDIndex.all(), SDIndex.interval(tokens * h, tokens * (h + 1)));
        Function<String, SDVariable> w = encoder.trainableWeights(sd, PREFIX, type);
        for (int l = encoder.layers() - trainable; l < encoder.layers(); l++) {
            x = encoder.layer(sd, w, l, x, mask, tokens);
        }
        return encoder.meanPool(x, mask, tokens);
    }
}
