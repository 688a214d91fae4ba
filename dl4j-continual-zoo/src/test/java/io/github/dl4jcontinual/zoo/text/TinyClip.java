package io.github.dl4jcontinual.zoo.text;

import onnx.Onnx;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tiny random CLIP text tower (2 layers, width 8, 2 heads, MLP 12, 16 positions, projection 6, vocabulary of 12)
 * with Hugging Face names, written as an ONNX file the way PyTorch exports one (linear weights as anonymous
 * {@code onnx::MatMul_*} initializers consumed by named {@code MatMul} nodes), and its toy tokenizer.
 */
public final class TinyClip {
    /** Width. */
    public static final int D = 8;
    /** Heads (not the default width / 64, which is 0 here). */
    public static final int HEADS = 2;
    /** MLP width. */
    public static final int MLP = 12;
    /** Position-embedding rows (maximum length). */
    public static final int POSITIONS = 16;
    /** Projection (embedding) width. */
    public static final int PROJ = 6;
    /** {@code <|startoftext|>} id. */
    public static final int BOS = 10;
    /** {@code <|endoftext|>} id, the highest. */
    public static final int EOT = 11;

    private TinyClip() {
    }

    /** Whitespace tokenizer over 10 words; {@code <|startoftext|>} = 10, {@code <|endoftext|>} = 11 (the highest). */
    public static final TextTokenizer TOKENIZER = TinyBert.wordTokenizer(List.of("!", "a", "photo", "of", "cat", "dog",
            ".", "big", "red", "car"), BOS, EOT);

    /** Random FLOAT weights with Hugging Face names, linear weights {@code [in, out]}. */
    public static Map<String, INDArray> weights(long seed) {
        Nd4j.getRandom().setSeed(seed);
        Map<String, INDArray> w = new LinkedHashMap<>();
        w.put("text_model.embeddings.token_embedding.weight", Nd4j.randn(DataType.FLOAT, 12, D));
        w.put("text_model.embeddings.position_embedding.weight", Nd4j.randn(DataType.FLOAT, POSITIONS, D).muli(0.3));
        for (int l = 0; l < 2; l++) {
            String p = "text_model.encoder.layers." + l + ".";
            for (String m : List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj")) {
                w.put(p + m + ".weight", Nd4j.randn(DataType.FLOAT, D, D).muli(0.5));
                w.put(p + m + ".bias", Nd4j.randn(DataType.FLOAT, D).muli(0.1));
            }
            w.put(p + "mlp.fc1.weight", Nd4j.randn(DataType.FLOAT, D, MLP).muli(0.5));
            w.put(p + "mlp.fc1.bias", Nd4j.randn(DataType.FLOAT, MLP).muli(0.1));
            w.put(p + "mlp.fc2.weight", Nd4j.randn(DataType.FLOAT, MLP, D).muli(0.4));
            w.put(p + "mlp.fc2.bias", Nd4j.randn(DataType.FLOAT, D).muli(0.1));
            for (String m : List.of("layer_norm1", "layer_norm2")) {
                w.put(p + m + ".weight", Nd4j.rand(DataType.FLOAT, D).addi(0.5));
                w.put(p + m + ".bias", Nd4j.randn(DataType.FLOAT, D).muli(0.1));
            }
        }
        w.put("text_model.final_layer_norm.weight", Nd4j.rand(DataType.FLOAT, D).addi(0.5));
        w.put("text_model.final_layer_norm.bias", Nd4j.randn(DataType.FLOAT, D).muli(0.1));
        w.put("text_projection.weight", Nd4j.randn(DataType.FLOAT, D, PROJ).muli(0.5));
        return w;
    }

    /**
     * The weights as a PyTorch-style ONNX file: every rank-2 {@code .weight} except the embeddings becomes
     * {@code onnx::MatMul_<n>}, consumed by a {@code MatMul} node named after the module
     * ({@code /text_model/encoder/layers.0/self_attn/q_proj/MatMul}); the other weights keep their names; plus an
     * unrelated vision weight and an INT64 {@code position_ids} (both ignored by the text tower). Half the tensors
     * store {@code raw_data}, half {@code float_data}.
     */
    public static byte[] onnx(Map<String, INDArray> weights) {
        Onnx.GraphProto.Builder g = Onnx.GraphProto.newBuilder().setName("tiny_clip");
        int n = 0;
        Map<String, INDArray> all = new LinkedHashMap<>(weights);
        all.put("vision_model.embeddings.class_embedding", Nd4j.randn(DataType.FLOAT, 4));
        for (Map.Entry<String, INDArray> e : all.entrySet()) {
            String name = e.getKey();
            INDArray a = e.getValue();
            boolean linear = a.rank() == 2 && name.endsWith(".weight") && !name.contains(".embeddings.");
            String init = linear ? "onnx::MatMul_" + (900 + n) : name;
            if (linear) {
                String module = name.substring(0, name.length() - ".weight".length());
                String node = "/" + module.replace('.', '/').replaceAll("layers/(\\d+)", "layers.$1") + "/MatMul";
                g.addNode(Onnx.NodeProto.newBuilder().setName(node).setOpType("MatMul").addInput("/x" + n + "/output_0")
                        .addInput(init).addOutput(node + "_output_0"));
            }
            Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(init)
                    .setDataType(Onnx.TensorProto.DataType.FLOAT_VALUE);
            for (long s : a.shape()) {
                t.addDims(s);
            }
            float[] v = a.dup('c').data().asFloat();
            if (n % 2 == 0) {
                ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(v);
                t.setRawData(ByteString.copyFrom(b.array()));
            } else {
                for (float f : v) {
                    t.addFloatData(f);
                }
            }
            g.addInitializer(t);
            n++;
        }
        g.addInitializer(Onnx.TensorProto.newBuilder().setName("text_model.embeddings.position_ids")
                .setDataType(Onnx.TensorProto.DataType.INT64_VALUE).addDims(1).addInt64Data(0));
        return Onnx.ModelProto.newBuilder().setIrVersion(8).setGraph(g).build().toByteArray();
    }
}
