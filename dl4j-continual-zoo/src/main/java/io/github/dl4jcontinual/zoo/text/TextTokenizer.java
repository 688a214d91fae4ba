package io.github.dl4jcontinual.zoo.text;

/**
 * Turns text into vocabulary ids for a BERT-style encoder. {@link #tokenize} returns the sub-word ids of the text
 * alone, without special tokens; the encoder's callers add {@link #clsId()} first and {@link #sepId()} last.
 */
public interface TextTokenizer {
    /** Sub-word ids of {@code text}, without special tokens; never empty for non-blank text. */
    int[] tokenize(String text);

    /** Id of the sequence-start token ({@code [CLS]}). */
    int clsId();

    /** Id of the sequence-end token ({@code [SEP]}). */
    int sepId();
}
