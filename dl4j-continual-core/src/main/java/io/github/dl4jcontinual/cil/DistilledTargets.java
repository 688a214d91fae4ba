package io.github.dl4jcontinual.cil;

import io.github.dl4jcontinual.model.ContinualModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * iCaRL's distillation through the targets, applied to every minibatch by a
 * {@link io.github.dl4jcontinual.data.MappedMultiDataSetIterator}: the label columns of the old classes
 * {@code [0, oldClasses)} get the frozen teacher's sigmoid outputs (at temperature T: σ(z/T) of its logits z)
 * instead of the hard 0/1 labels.
 * With a sigmoid output layer trained with binary cross-entropy this is exactly iCaRL's loss
 * {@code −Σ_{y<old} [q_y log g_y + (1−q_y) log(1−g_y)] − Σ_{y≥old} [δ log g_y + (1−δ) log(1−g_y)]}
 * (Rebuffi et al. 2017, Algorithm 3). Old classes are the first ids because the scenarios relabel classes in
 * arrival order. The minibatch's features and masks are kept; the labels are a new array.
 */
final class DistilledTargets implements UnaryOperator<MultiDataSet> {
    private final ContinualModel teacher;
    private final int oldClasses;
    private final double temperature;

    /**
     * @param teacher     the frozen model of the previous experience, owned by the caller and not trained
     * @param oldClasses  the number of old classes, at least 1
     * @param temperature T &gt; 0: the targets are σ(z/T) of the teacher's logits z
     */
    DistilledTargets(ContinualModel teacher, int oldClasses, double temperature) {
        this.temperature = temperature;
        this.teacher = Objects.requireNonNull(teacher, "teacher");
        if (oldClasses < 1) {
            throw new IllegalArgumentException("oldClasses should be >= 1 (got: " + oldClasses + ")");
        }
        this.oldClasses = oldClasses;
    }

    @Override
    public MultiDataSet apply(MultiDataSet ds) {
        INDArray q = teacher.classScores(ds);
        if (q.size(1) < oldClasses) {
            throw new IllegalStateException("The teacher has " + q.size(1) + " outputs but " + oldClasses
                    + " old classes");
        }
        if (temperature != 1.0) {
            // z = logit(p) from the sigmoid output, then σ(z / T)
            INDArray p = Transforms.max(Transforms.min(q.castTo(DataType.DOUBLE), 1 - 1e-12, false), 1e-12, false);
            INDArray z = Transforms.log(p.div(p.rsub(1)), false);
            q = Transforms.sigmoid(z.divi(temperature), false);
        }
        int out = teacher.classificationOutput();
        INDArray y = ds.getLabels(out).dup();
        y.get(NDArrayIndex.all(), NDArrayIndex.interval(0, oldClasses))
                .assign(q.get(NDArrayIndex.all(), NDArrayIndex.interval(0, oldClasses)).castTo(y.dataType()));
        return io.github.dl4jcontinual.data.Batches.withLabels(ds, out, y);
    }
}
