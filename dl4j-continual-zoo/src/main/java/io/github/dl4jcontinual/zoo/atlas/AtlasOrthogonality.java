package io.github.dl4jcontinual.zoo.atlas;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * ATLAS's orthogonality term as a DL4J training listener: after the network's gradient is computed and before its
 * updater runs ({@code onGradientCalculation}), adds {@code w·∂ortho(T)/∂T} to the gradient of the rows T of every
 * {@link AtlasAdapterLayer} with an {@link AtlasAdapterLayer#getOrthoBranch() ortho branch}: that branch's queries,
 * and (stage 2) the site's keys, each stack separately. With {@code ortho(T) = mean((T Tᵀ − I)²)/(n·D)} over n rows
 * of width D ({@link AtlasAdapterSite#orthogonality(INDArray)}), {@code ∂ortho/∂T = 4 (T Tᵀ − I) T / (n³·D)}.
 * Only the rows the layer trains get it (DL4J's {@code NoOp} updater would apply any gradient given to a frozen one). The score is not changed.
 */
public final class AtlasOrthogonality extends BaseTrainingListener implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public void onGradientCalculation(Model model) {
        Gradient g = model.gradient();
        if (g == null) {
            return;
        }
        if (model instanceof MultiLayerNetwork) {
            MultiLayerNetwork net = (MultiLayerNetwork) model;
            for (int i = 0; i < net.getnLayers(); i++) {
                apply(net.getLayer(i).conf().getLayer(), net.getLayer(i), String.valueOf(i), g);
            }
        } else if (model instanceof ComputationGraph) {
            ComputationGraph cg = (ComputationGraph) model;
            for (org.deeplearning4j.nn.api.Layer l : cg.getLayers()) {
                apply(l.conf().getLayer(), l, l.conf().getLayer().getLayerName(), g);
            }
        }
    }

    private static void apply(Layer conf, org.deeplearning4j.nn.api.Layer layer, String key, Gradient g) {
        if (!(conf instanceof AtlasAdapterLayer)) {
            return;
        }
        AtlasAdapterLayer site = (AtlasAdapterLayer) conf;
        int j = site.getOrthoBranch();
        if (j < 0 || site.getOrthoWeight() == 0) {
            return;
        }
        List<String> queries = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i <= site.getLastAdapter()[j]; i++) {
            queries.add(site.query(j, i));
            keys.add("ka" + i);
        }
        add(layer, key, g, queries, site.getOrthoWeight(), site.getTrainable());
        if (site.isOrthoKeys()) {
            add(layer, key, g, keys, site.getOrthoWeight(), site.getTrainable());
        }
    }

    private static void add(org.deeplearning4j.nn.api.Layer layer, String key, Gradient g, List<String> names,
                            double weight, List<String> trainable) {
        INDArray[] rows = new INDArray[names.size()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = layer.getParam(names.get(i));
        }
        INDArray t = rows.length == 1 ? rows[0].dup() : Nd4j.concat(0, rows);
        long n = t.rows();
        long d = t.columns();
        INDArray gram = t.mmul(t.transpose()).subi(Nd4j.eye(n).castTo(t.dataType()));
        INDArray grad = gram.mmul(t).muli(4.0 * weight / ((double) n * n * n * d));
        long at = 0;
        for (int i = 0; i < rows.length; i++) {
            long r = rows[i].rows();
            if (!trainable.contains(names.get(i))) {
                at += r;
                continue;
            }
            INDArray view = g.getGradientFor(key + "_" + names.get(i));
            if (view == null) {
                throw new IllegalStateException("No gradient for parameter " + names.get(i) + " of the adapter site "
                        + key);
            }
            view.addi(grad.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(at, at + r),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()).reshape(view.shape()));
            at += r;
        }
    }
}
