package io.github.dl4jcontinual.zoo.text;

import onnx.Onnx;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the float weights (initializers) of an ONNX model without importing its graph. PyTorch's exporter stores
 * the weight of a {@code Linear} layer as an anonymous initializer ({@code onnx::MatMul_885}, already transposed to
 * {@code [in, out]}) consumed by a {@code MatMul} node whose name carries the module path
 * ({@code /encoder/layer.0/attention/self/query/MatMul}); such weights are returned under the module path in
 * PyTorch's dotted form plus {@code .weight} ({@code encoder.layer.0.attention.self.query.weight}). Named
 * initializers (biases, LayerNorm, embeddings) keep their names. Non-float initializers are skipped.
 */
public final class OnnxInitializers {
    private OnnxInitializers() {
    }

    /** Reads the whole stream (not closed) and returns the float initializers as FLOAT arrays, by name. */
    public static Map<String, INDArray> read(InputStream onnx) throws IOException {
        Onnx.ModelProto model = Onnx.ModelProto.parseFrom(onnx.readAllBytes());
        Onnx.GraphProto graph = model.getGraph();
        Map<String, String> renamed = new LinkedHashMap<>();
        for (Onnx.NodeProto node : graph.getNodeList()) {
            if ("MatMul".equals(node.getOpType()) && node.getName().endsWith("/MatMul")) {
                for (String in : node.getInputList()) {
                    if (in.startsWith("onnx::")) {
                        renamed.put(in, modulePath(node.getName()) + ".weight");
                    }
                }
            }
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Onnx.TensorProto t : graph.getInitializerList()) {
            if (t.getDataType() != Onnx.TensorProto.DataType.FLOAT_VALUE) {
                continue;
            }
            String name = renamed.getOrDefault(t.getName(), t.getName());
            if (out.containsKey(name)) {
                throw new IOException("Two ONNX initializers map to the name " + name);
            }
            out.put(name, toArray(t));
        }
        if (out.isEmpty()) {
            throw new IOException("The ONNX model has no float initializers");
        }
        return out;
    }

    /** {@code /encoder/layer.0/attention/self/query/MatMul} to {@code encoder.layer.0.attention.self.query}. */
    static String modulePath(String matMulNode) {
        String p = matMulNode.substring(0, matMulNode.length() - "/MatMul".length());
        if (p.startsWith("/")) {
            p = p.substring(1);
        }
        return p.replace('/', '.');
    }

    private static INDArray toArray(Onnx.TensorProto t) {
        List<Long> dimsList = t.getDimsList();
        long[] dims = new long[dimsList.size()];
        long n = 1;
        for (int i = 0; i < dims.length; i++) {
            dims[i] = dimsList.get(i);
            n *= dims[i];
        }
        float[] v = new float[Math.toIntExact(n)];
        if (!t.getRawData().isEmpty()) {
            FloatBuffer fb = ByteBuffer.wrap(t.getRawData().toByteArray()).order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer();
            if (fb.remaining() != v.length) {
                throw new IllegalStateException("Initializer " + t.getName() + " has " + fb.remaining()
                        + " floats for dims " + dimsList);
            }
            fb.get(v);
        } else {
            if (t.getFloatDataCount() != v.length) {
                throw new IllegalStateException("Initializer " + t.getName() + " has " + t.getFloatDataCount()
                        + " floats for dims " + dimsList);
            }
            for (int i = 0; i < v.length; i++) {
                v[i] = t.getFloatData(i);
            }
        }
        return dims.length == 0 ? Nd4j.scalar(v[0]) : Nd4j.create(v).reshape('c', dims);
    }
}
