package io.github.dl4jcontinual.zoo.ctp;

import io.github.dl4jcontinual.zoo.text.BertTextEncoder;
import io.github.dl4jcontinual.zoo.text.TextTokenizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The frozen part of the text tower: the pretrained MiniLM ({@link BertTextEncoder}, all six layers frozen,
 * masked mean pooling) run once per <em>distinct</em> caption and cached, so that training only pays for the
 * trainable adapter and projection of {@link DualEncoder}. Templated captions have few distinct strings, so this
 * makes the text tower nearly free on a CPU. The cache works for any per-caption encoding (package-private
 * constructor; {@link TopLayerTextFeatures} caches token states with it). Not thread-safe.
 */
public final class CachedTextFeatures implements TextFeatures {
    private static final int CHUNK = 32;
    private final Function<List<String>, INDArray> encode;
    private final int dim;
    private final Map<String, float[]> cache = new HashMap<>();

    /**
     * @param encoder   the frozen sentence encoder
     * @param tokenizer its tokenizer (kept open by the caller while this object is used)
     */
    public CachedTextFeatures(BertTextEncoder encoder, TextTokenizer tokenizer) {
        this(texts -> encoder.embed(tokenizer, texts), encoder.hidden());
    }

    /**
     * @param encode one row of width {@code dim} per caption of its argument (distinct captions, at most 32)
     * @param dim    the row width
     */
    CachedTextFeatures(Function<List<String>, INDArray> encode, int dim) {
        this.encode = encode;
        this.dim = dim;
    }

    @Override
    public int dim() {
        return dim;
    }

    /** @return number of distinct captions encoded so far */
    public int cached() {
        return cache.size();
    }

    @Override
    public INDArray features(List<String> captions) {
        List<String> missing = new ArrayList<>(new LinkedHashSet<>(captions));
        missing.removeIf(cache::containsKey);
        for (int i = 0; i < missing.size(); i += CHUNK) {
            List<String> part = missing.subList(i, Math.min(missing.size(), i + CHUNK));
            INDArray e = encode.apply(part).castTo(DataType.FLOAT);
            for (int j = 0; j < part.size(); j++) {
                cache.put(part.get(j), e.getRow(j).dup().data().asFloat());
            }
        }
        float[][] rows = new float[captions.size()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = cache.get(captions.get(i));
        }
        return Nd4j.createFromArray(rows);
    }
}
