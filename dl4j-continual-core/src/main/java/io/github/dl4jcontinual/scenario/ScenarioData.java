package io.github.dl4jcontinual.scenario;

import io.github.dl4jcontinual.data.DataSets;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/** Package-private helpers shared by the scenario builders: validation, relabelling and row selection. */
final class ScenarioData {
    private ScenarioData() {
    }

    static void requireSource(DataSet ds, String which) {
        if (ds == null) {
            throw new IllegalStateException("No " + which + " data: call " + which + "(...) on the builder");
        }
        if (ds.getFeatures() == null || ds.getLabels() == null) {
            throw new IllegalArgumentException("The " + which + " DataSet has no features or no labels");
        }
        if (ds.getFeatures().size(0) != ds.getLabels().size(0)) {
            throw new IllegalArgumentException("The " + which + " DataSet has " + ds.getFeatures().size(0)
                    + " feature rows but " + ds.getLabels().size(0) + " label rows");
        }
        INDArray f = ds.getFeatures();
        if (f.dataType().isFPType() && BooleanIndexing.or(f, Conditions.notFinite())) {
            INDArray flat = f.reshape(f.length());
            long at = BooleanIndexing.firstIndex(flat, Conditions.notFinite()).getLong(0);
            long perRow = f.length() / f.size(0);
            throw new IllegalArgumentException("The " + which + " DataSet has a non-finite feature "
                    + flat.getDouble(at) + " at example " + at / perRow + ", value " + at % perRow
                    + ": expected finite features (NaN or infinite inputs make every loss NaN)");
        }
    }

    /** Present class ids (ascending) of a labels-id array. */
    static int[] present(int[] ids) {
        TreeSet<Integer> s = new TreeSet<>();
        for (int id : ids) {
            s.add(id);
        }
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    static void checkSameClasses(int[] trainPresent, int[] testPresent, long trainWidth, long testWidth) {
        if (trainWidth != testWidth) {
            throw new IllegalArgumentException("Train and test label widths differ: train labels have " + trainWidth
                    + " columns, test labels have " + testWidth);
        }
        if (!Arrays.equals(trainPresent, testPresent)) {
            throw new IllegalArgumentException("Train and test sets disagree on classes: train has classes "
                    + Arrays.toString(trainPresent) + ", test has classes " + Arrays.toString(testPresent));
        }
    }

    /**
     * Rewrites the labels so that column p holds the class {@code order[p]}; the result's width is order.length.
     * Returns the data with relabelled one-hot labels (features shared, labels new).
     */
    static DataSet relabel(DataSet ds, int[] order) {
        INDArray labels = ds.getLabels().getColumns(order).dup('c');
        return new DataSet(ds.getFeatures(), labels);
    }

    /** Maps original ids to positions in the order (-1 for ids not in the order). */
    static int[] inverse(int[] order, int width) {
        int[] inv = new int[width];
        Arrays.fill(inv, -1);
        for (int p = 0; p < order.length; p++) {
            inv[order[p]] = p;
        }
        return inv;
    }

    /** Rows of {@code ds} whose (relabelled) class is in {@code classes}; a detached copy. */
    static DataSet select(DataSet ds, int[] relabelledIds, int[] classes) {
        boolean[] keep = new boolean[Arrays.stream(classes).max().orElse(0) + 1];
        for (int c : classes) {
            keep[c] = true;
        }
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < relabelledIds.length; i++) {
            int c = relabelledIds[i];
            if (c < keep.length && keep[c]) {
                rows.add(i);
            }
        }
        return rows(ds, rows.stream().mapToInt(Integer::intValue).toArray());
    }

    static DataSet rows(DataSet ds, int[] rows) {
        if (rows.length == 0) {
            return new DataSet(Nd4j.create(ds.getFeatures().dataType(), 0, ds.getFeatures().size(1)),
                    Nd4j.create(ds.getLabels().dataType(), 0, ds.getLabels().size(1)));
        }
        return new DataSet(Nd4j.pullRows(ds.getFeatures(), 1, rows), Nd4j.pullRows(ds.getLabels(), 1, rows));
    }

    static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }

    static Experience experience(String stream, int index, int taskId, int[] classes, int[] seen, DataSet data,
                                 DataSetPreProcessor transform) {
        return new Experience(stream, index, taskId, classes, seen, data, transform);
    }

    static int[] ids(DataSet ds) {
        return DataSets.classIds(ds.getLabels());
    }
}
