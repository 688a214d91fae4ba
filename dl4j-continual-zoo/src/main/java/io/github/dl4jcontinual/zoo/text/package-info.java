/**
 * Pretrained text towers rebuilt in SameDiff and their learnable insertion points: {@link
 * io.github.dl4jcontinual.zoo.text.BertTextEncoder} (all-MiniLM-L6-v2 and other BERT-style sentence encoders,
 * weights read from ONNX by {@link io.github.dl4jcontinual.zoo.text.OnnxInitializers}, tokenised by {@link
 * io.github.dl4jcontinual.zoo.text.WordPieceTokenizer}), {@link io.github.dl4jcontinual.zoo.text.ClipTextEncoder}
 * (the text tower of a CLIP ONNX export), both behind {@link io.github.dl4jcontinual.zoo.text.TextEncoder}, and {@link
 * io.github.dl4jcontinual.zoo.text.PromptedTextTower} (learnable prompt tokens and residual adapters around the
 * frozen tower). See {@code docs/prompts-adapters.md}.
 */
package io.github.dl4jcontinual.zoo.text;
