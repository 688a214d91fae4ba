package io.github.dl4jcontinual.scenario;

import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.ExampleSource;
import io.github.dl4jcontinual.data.RowStore;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;

/**
 * The iterators behind {@link Experience#iterator}: they read an experience's examples from its sources on every
 * pass and never hold more than a minibatch (random-access sources) or a bounded shuffle buffer (sources read in
 * order). Package-private; every iterator is resettable and not asynchronous (what it returns depends on how often
 * it was reset).
 */
final class ExperienceIterators {
    private ExperienceIterators() {
    }

    static MultiDataSetIterator of(ExperienceData data, int batchSize, boolean shuffle, long seed) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize should be > 0 (got: " + batchSize + ")");
        }
        Map<ExampleSource, List<ExperienceData.Part>> groups = data.bySource();
        boolean allRandom = data.parts.stream().allMatch(p -> p.source.randomAccess());
        if (allRandom) {
            return new PositionIterator(data.parts, batchSize, shuffle, seed);
        }
        if (groups.size() == 1) {
            return new ScanIterator(data.parts, batchSize, shuffle, seed, data.shuffleBuffer);
        }
        List<Base> subs = new ArrayList<>();
        long[] sizes = new long[groups.size()];
        Random seeds = new Random(seed);
        int g = 0;
        for (List<ExperienceData.Part> parts : groups.values()) {
            long s = seeds.nextLong();
            subs.add(parts.get(0).source.randomAccess() ? new PositionIterator(parts, batchSize, shuffle, s)
                    : new ScanIterator(parts, batchSize, shuffle, s, data.shuffleBuffer));
            sizes[g++] = parts.stream().mapToLong(p -> p.positions.length).sum();
        }
        return new Interleaved(subs, sizes, batchSize, shuffle, seed);
    }

    /** Relabels the classification output and applies the part's transform. */
    static MultiDataSet prepare(ExperienceData.Part part, MultiDataSet rows) {
        MultiDataSet out = rows;
        if (part.classOrder != null) {
            INDArray l = out.getLabels(part.classOutput);
            if (l.size(1) < part.classOrder.length) {
                throw new IllegalStateException("Labels of output " + part.classOutput + " have " + l.size(1)
                        + " columns but the scenario maps " + part.classOrder.length + " classes");
            }
            if (isIdentity(part.classOrder, l.size(1))) {
                // the scenario's class order is the source's: nothing to relabel
                if (part.transform != null) {
                    part.transform.preProcess(out);
                }
                return out;
            }
            INDArray r;
            if (l.rank() == 2) {
                // one gather of the columns (getColumns copies them one op per column)
                r = Nd4j.pullRows(l, 0, part.classOrder);
            } else {
                INDArrayIndex[] idx = new INDArrayIndex[l.rank()];
                Arrays.fill(idx, NDArrayIndex.all());
                idx[1] = NDArrayIndex.indices(Arrays.stream(part.classOrder).asLongStream().toArray());
                r = l.get(idx).dup('c');
            }
            INDArray[] labels = out.getLabels().clone();
            labels[part.classOutput] = r;
            INDArray[] lm = out.getLabelsMaskArrays();
            // a per-output mask [n, k] of 2-d labels follows its columns; a time mask [n, T] of [n, k, T] labels
            // (whatever T) and a per-example mask [n, 1] stay as they are
            if (l.rank() == 2 && lm != null && lm[part.classOutput] != null && lm[part.classOutput].rank() == 2
                    && lm[part.classOutput].size(1) == l.size(1) && l.size(1) > 1) {
                lm = lm.clone();
                lm[part.classOutput] = Nd4j.pullRows(lm[part.classOutput], 0, part.classOrder);
            }
            out = new org.nd4j.linalg.dataset.MultiDataSet(out.getFeatures(), labels, out.getFeaturesMaskArrays(), lm);
        }
        if (part.transform != null) {
            part.transform.preProcess(out);
        }
        return out;
    }

    /** @return whether column p of the relabelled labels is source column p for every one of the width columns */
    private static boolean isIdentity(int[] classOrder, long width) {
        if (classOrder.length != width) {
            return false;
        }
        for (int p = 0; p < classOrder.length; p++) {
            if (classOrder[p] != p) {
                return false;
            }
        }
        return true;
    }

    /** What the three iterators share. */
    abstract static class Base implements MultiDataSetIterator {
        private static final long serialVersionUID = 1L;
        final int batchSize;
        private MultiDataSetPreProcessor preProcessor;

        Base(int batchSize) {
            this.batchSize = batchSize;
        }

        /** @param n at most this many rows @return the next rows, before the pre-processor */
        abstract MultiDataSet nextRows(int n);

        @Override
        public MultiDataSet next(int num) {
            if (!hasNext()) {
                throw new NoSuchElementException("No more minibatches; call reset()");
            }
            MultiDataSet ds = nextRows(num);
            if (preProcessor != null) {
                preProcessor.preProcess(ds);
            }
            return ds;
        }

        @Override
        public MultiDataSet next() {
            return next(batchSize);
        }

        @Override
        public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
            this.preProcessor = preProcessor;
        }

        @Override
        public MultiDataSetPreProcessor getPreProcessor() {
            return preProcessor;
        }

        @Override
        public boolean resetSupported() {
            return true;
        }

        @Override
        public boolean asyncSupported() {
            return false;
        }
    }

    /**
     * Random-access parts: positions shuffled (again at every reset) with a seeded generator, each minibatch
     * fetched by position. The order is that of the library's {@code InMemoryDataSetIterator} over the same rows.
     */
    static final class PositionIterator extends Base {
        private static final long serialVersionUID = 1L;
        private final List<ExperienceData.Part> parts;
        private final long[] offsets;
        private final int[] order;
        private final boolean shuffle;
        private final Random rng;
        private int cursor;

        PositionIterator(List<ExperienceData.Part> parts, int batchSize, boolean shuffle, long seed) {
            super(batchSize);
            this.parts = parts;
            this.offsets = new long[parts.size() + 1];
            for (int i = 0; i < parts.size(); i++) {
                offsets[i + 1] = offsets[i] + parts.get(i).positions.length;
            }
            if (offsets[parts.size()] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("An in-memory experience holds at most " + Integer.MAX_VALUE
                        + " examples");
            }
            this.order = new int[(int) offsets[parts.size()]];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            this.shuffle = shuffle;
            this.rng = new Random(seed);
            reset();
        }

        @Override
        public boolean hasNext() {
            return cursor < order.length;
        }

        @Override
        MultiDataSet nextRows(int num) {
            int n = Math.min(num, order.length - cursor);
            int[] idx = Arrays.copyOfRange(order, cursor, cursor + n);
            cursor += n;
            if (parts.size() == 1) {
                ExperienceData.Part p = parts.get(0);
                int[] pos = new int[n];
                for (int i = 0; i < n; i++) {
                    pos[i] = p.positions[idx[i]];
                }
                return prepare(p, p.source.get(pos));
            }
            List<MultiDataSet> pieces = new ArrayList<>();
            int[] where = new int[n];
            int filled = 0;
            for (int pi = 0; pi < parts.size(); pi++) {
                ExperienceData.Part p = parts.get(pi);
                List<Integer> mine = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    if (idx[i] >= offsets[pi] && idx[i] < offsets[pi + 1]) {
                        mine.add(i);
                    }
                }
                if (mine.isEmpty()) {
                    continue;
                }
                int[] pos = new int[mine.size()];
                for (int k = 0; k < pos.length; k++) {
                    pos[k] = p.positions[(int) (idx[mine.get(k)] - offsets[pi])];
                    where[mine.get(k)] = filled + k;
                }
                filled += pos.length;
                pieces.add(prepare(p, p.source.get(pos)));
            }
            MultiDataSet joined = pieces.get(0);
            for (int i = 1; i < pieces.size(); i++) {
                joined = Batches.concat(joined, pieces.get(i));
            }
            return pieces.size() == 1 ? joined : Batches.rows(joined, where);
        }

        @Override
        public void reset() {
            cursor = 0;
            if (shuffle) {
                for (int i = order.length - 1; i > 0; i--) {
                    int j = rng.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
            }
        }
    }

    /**
     * Parts of one source read in order: one pass per epoch; each source minibatch is routed to the parts that
     * select its rows; with shuffling the rows go through a seeded shuffle buffer of bounded size (uniform draws from
     * the buffer, refilled from the source), otherwise they are served in source order.
     */
    static final class ScanIterator extends Base {
        private static final long serialVersionUID = 1L;
        private final List<ExperienceData.Part> parts;
        private final ExampleSource source;
        private final boolean shuffle;
        private final int bufferSize;
        private final Random rng;
        private final long expected;
        private Iterator<MultiDataSet> pass;
        private int[] cursor;
        private long position;
        private long served;
        private final ArrayDeque<MultiDataSet> queue = new ArrayDeque<>();
        private int queueOffset;
        private RowStore buffer;
        private int columns;
        private int nf;
        private int nl;
        private boolean featureMasks;
        private boolean labelMasks;

        ScanIterator(List<ExperienceData.Part> parts, int batchSize, boolean shuffle, long seed, int bufferSize) {
            super(batchSize);
            this.parts = parts;
            this.source = parts.get(0).source;
            this.shuffle = shuffle;
            this.bufferSize = Math.max(1, bufferSize);
            this.rng = new Random(seed);
            this.expected = parts.stream().mapToLong(p -> p.positions.length).sum();
            reset();
        }

        @Override
        public void reset() {
            pass = source.pass();
            cursor = new int[parts.size()];
            position = 0;
            served = 0;
            queue.clear();
            queueOffset = 0;
            if (buffer != null) {
                buffer.clear();
            }
        }

        /** Reads source minibatches until one yields rows (or the pass ends); returns false at the end. */
        private boolean readMore() {
            while (pass.hasNext()) {
                MultiDataSet chunk = pass.next();
                int m = Batches.size(chunk);
                long from = position;
                position += m;
                boolean any = false;
                for (int pi = 0; pi < parts.size(); pi++) {
                    ExperienceData.Part p = parts.get(pi);
                    int c = cursor[pi];
                    int start = c;
                    while (c < p.positions.length && p.positions[c] < from + m) {
                        c++;
                    }
                    cursor[pi] = c;
                    if (c == start) {
                        continue;
                    }
                    int[] idx = new int[c - start];
                    for (int k = 0; k < idx.length; k++) {
                        idx[k] = (int) (p.positions[start + k] - from);
                    }
                    MultiDataSet rows = Batches.rows(chunk, idx);
                    checkOrder(p, rows, start);
                    queue.add(prepare(p, rows));
                    any = true;
                }
                if (any) {
                    return true;
                }
            }
            for (int pi = 0; pi < parts.size(); pi++) {
                if (cursor[pi] < parts.get(pi).positions.length) {
                    throw new IllegalStateException("The source " + source.describe() + " yielded " + position
                            + " examples in this pass, fewer than when the scenario was built (it indexed position "
                            + parts.get(pi).positions[cursor[pi]] + "): the source changed after the scenario was "
                            + "built");
                }
            }
            return false;
        }

        /**
         * The rows read for positions {@code p.positions[start..]} must have the classes the index recorded: a source
         * whose order changes between passes (e.g. a DataVec {@code FileSplit} made with a {@code Random}, which
         * reshuffles at every reset) would otherwise feed an experience other classes' examples.
         */
        private void checkOrder(ExperienceData.Part p, MultiDataSet rows, int start) {
            int[] got = DataSets.classIds(rows.getLabels(p.classOutput),
                    Batches.mask(rows.getLabelsMaskArrays(), p.classOutput));
            for (int k = 0; k < got.length; k++) {
                int pos = p.positions[start + k];
                if (got[k] != p.classOf[pos]) {
                    throw new IllegalStateException("The source " + source.describe() + " gave example " + pos
                            + " of this pass class " + got[k] + ", but class " + p.classOf[pos] + " when the scenario "
                            + "indexed it: a source must yield the same examples in the same order on every pass "
                            + "(a DataVec FileSplit made with a Random reshuffles at every reset; for a random order "
                            + "shuffle the file list once, e.g. into a CollectionInputSplit)");
                }
            }
        }

        private int queued() {
            int n = -queueOffset;
            for (MultiDataSet m : queue) {
                n += Batches.size(m);
            }
            return n;
        }

        @Override
        public boolean hasNext() {
            if (shuffle) {
                return (buffer != null && buffer.size() > 0) || queued() > 0 || readMore();
            }
            return queued() > 0 || readMore();
        }

        /** Takes up to n rows from the queue (source order). */
        private MultiDataSet take(int n) {
            List<MultiDataSet> pieces = new ArrayList<>();
            int need = n;
            while (need > 0 && (!queue.isEmpty() || readMore())) {
                MultiDataSet head = queue.peekFirst();
                int size = Batches.size(head);
                int k = Math.min(need, size - queueOffset);
                if (queueOffset == 0 && k == size) {
                    pieces.add(head);
                    queue.pollFirst();
                } else {
                    int[] idx = new int[k];
                    for (int i = 0; i < k; i++) {
                        idx[i] = queueOffset + i;
                    }
                    pieces.add(Batches.rows(head, idx));
                    queueOffset += k;
                    if (queueOffset == size) {
                        queue.pollFirst();
                        queueOffset = 0;
                    }
                }
                need -= k;
            }
            MultiDataSet out = pieces.get(0);
            for (int i = 1; i < pieces.size(); i++) {
                out = Batches.concat(out, pieces.get(i));
            }
            return out;
        }

        @Override
        MultiDataSet nextRows(int num) {
            MultiDataSet out = shuffle ? fromBuffer(num) : take(num);
            served += Batches.size(out);
            if (served > expected) {
                throw new IllegalStateException("The source " + source.describe() + " yielded more examples than when "
                        + "the scenario was built: the source changed");
            }
            return out;
        }

        /**
         * Up to {@code num} rows drawn from the shuffle buffer, refilled from the source before every draw; a buffer
         * smaller than {@code num} is drawn from several times, so minibatches keep their size.
         */
        private MultiDataSet fromBuffer(int num) {
            MultiDataSet out = null;
            int got = 0;
            while (got < num) {
                MultiDataSet part = drawFromBuffer(num - got);
                if (part == null) {
                    break;
                }
                out = out == null ? part : Batches.concat(out, part);
                got += Batches.size(part);
            }
            return out;
        }

        /** Fills the buffer up to its size (or the end of the pass), then draws up to n rows; null if it is empty. */
        private MultiDataSet drawFromBuffer(int num) {
            while (true) {
                int room = buffer == null ? bufferSize : buffer.capacity() - buffer.size();
                if (room <= 0 || (queue.isEmpty() && !readMore())) {
                    break;
                }
                MultiDataSet rows = take(Math.min(room, queued()));
                store(rows);
            }
            if (buffer == null || buffer.size() == 0) {
                return null;
            }
            int size = buffer.size();
            int k = Math.min(num, size);
            int[] slots = new int[size];
            for (int i = 0; i < size; i++) {
                slots[i] = i;
            }
            for (int i = 0; i < k; i++) {
                int j = i + rng.nextInt(size - i);
                int t = slots[i];
                slots[i] = slots[j];
                slots[j] = t;
            }
            int[] picked = Arrays.copyOf(slots, k);
            MultiDataSet out = unpack(buffer.gather(picked));
            removeSwap(picked);
            return out;
        }

        private void store(MultiDataSet rows) {
            int n = Batches.size(rows);
            if (buffer == null) {
                nf = rows.numFeatureArrays();
                nl = rows.numLabelsArrays();
                featureMasks = rows.getFeaturesMaskArrays() != null;
                labelMasks = rows.getLabelsMaskArrays() != null;
                columns = 2 * (nf + nl);
                buffer = new RowStore(columns, bufferSize);
            }
            INDArray[] cols = new INDArray[columns];
            for (int i = 0; i < nf; i++) {
                cols[i] = rows.getFeatures(i);
                cols[nf + nl + i] = Batches.mask(rows.getFeaturesMaskArrays(), i);
            }
            for (int i = 0; i < nl; i++) {
                cols[nf + i] = rows.getLabels(i);
                cols[2 * nf + nl + i] = Batches.mask(rows.getLabelsMaskArrays(), i);
            }
            featureMasks |= rows.getFeaturesMaskArrays() != null;
            labelMasks |= rows.getLabelsMaskArrays() != null;
            int[] slots = new int[n];
            int[] idx = new int[n];
            for (int i = 0; i < n; i++) {
                slots[i] = buffer.size() + i;
                idx[i] = i;
            }
            buffer.write(slots, idx, cols);
        }

        private MultiDataSet unpack(INDArray[] cols) {
            INDArray[] f = Arrays.copyOfRange(cols, 0, nf);
            INDArray[] l = Arrays.copyOfRange(cols, nf, nf + nl);
            INDArray[] fm = featureMasks ? Arrays.copyOfRange(cols, nf + nl, 2 * nf + nl) : null;
            INDArray[] lm = labelMasks ? Arrays.copyOfRange(cols, 2 * nf + nl, columns) : null;
            return new org.nd4j.linalg.dataset.MultiDataSet(f, l, fm, lm);
        }

        /** Frees the given slots by moving the last filled rows into them. */
        private void removeSwap(int[] freed) {
            int size = buffer.size();
            int k = freed.length;
            boolean[] isFreed = new boolean[size];
            for (int s : freed) {
                isFreed[s] = true;
            }
            // the freed slots below size-k take the tail rows that are not freed
            int[] holes = Arrays.stream(freed).filter(s -> s < size - k).sorted().toArray();
            int[] movers = new int[holes.length];
            int m = 0;
            for (int s = size - k; s < size; s++) {
                if (!isFreed[s]) {
                    movers[m++] = s;
                }
            }
            buffer.move(movers, holes, size - k);
        }
    }

    /** Sub-iterators of different sources, mixed row by row in a seeded random order and re-batched. */
    static final class Interleaved extends Base {
        private static final long serialVersionUID = 1L;
        private final List<Base> subs;
        private final long[] sizes;
        private final long[] left;
        private final boolean shuffle;
        private final Random rng;
        private final List<ArrayDeque<MultiDataSet>> queues = new ArrayList<>();
        private final int[] offsets;

        Interleaved(List<Base> subs, long[] sizes, int batchSize, boolean shuffle, long seed) {
            super(batchSize);
            this.subs = subs;
            this.sizes = sizes.clone();
            this.left = sizes.clone();
            this.shuffle = shuffle;
            this.rng = new Random(seed);
            this.offsets = new int[subs.size()];
            for (int i = 0; i < subs.size(); i++) {
                queues.add(new ArrayDeque<>());
            }
        }

        @Override
        public void reset() {
            for (int i = 0; i < subs.size(); i++) {
                subs.get(i).reset();
                queues.get(i).clear();
                offsets[i] = 0;
                left[i] = sizes[i];
            }
        }

        @Override
        public boolean hasNext() {
            for (long l : left) {
                if (l > 0) {
                    return true;
                }
            }
            return false;
        }

        @Override
        MultiDataSet nextRows(int num) {
            int[] counts = new int[subs.size()];
            int total = 0;
            long remaining = Arrays.stream(left).sum();
            while (total < num && remaining > 0) {
                int g;
                if (shuffle) {
                    long r = (long) (rng.nextDouble() * remaining);
                    g = 0;
                    while (r >= left[g]) {
                        r -= left[g];
                        g++;
                    }
                } else {
                    g = 0;
                    while (left[g] == 0) {
                        g++;
                    }
                }
                counts[g]++;
                left[g]--;
                remaining--;
                total++;
            }
            MultiDataSet out = null;
            for (int g = 0; g < subs.size(); g++) {
                if (counts[g] == 0) {
                    continue;
                }
                MultiDataSet part = take(g, counts[g]);
                out = out == null ? part : Batches.concat(out, part);
            }
            return out;
        }

        private MultiDataSet take(int g, int n) {
            ArrayDeque<MultiDataSet> q = queues.get(g);
            MultiDataSet out = null;
            int need = n;
            while (need > 0) {
                if (q.isEmpty()) {
                    if (!subs.get(g).hasNext()) {
                        throw new IllegalStateException("A part of the experience yielded fewer examples than it "
                                + "holds (" + sizes[g] + ")");
                    }
                    q.add(subs.get(g).nextRows(batchSize));
                }
                MultiDataSet head = q.peekFirst();
                int size = Batches.size(head);
                int k = Math.min(need, size - offsets[g]);
                int[] idx = new int[k];
                for (int i = 0; i < k; i++) {
                    idx[i] = offsets[g] + i;
                }
                MultiDataSet piece = offsets[g] == 0 && k == size ? head : Batches.rows(head, idx);
                offsets[g] += k;
                if (offsets[g] == size) {
                    q.pollFirst();
                    offsets[g] = 0;
                }
                out = out == null ? piece : Batches.concat(out, piece);
                need -= k;
            }
            return out;
        }
    }
}
