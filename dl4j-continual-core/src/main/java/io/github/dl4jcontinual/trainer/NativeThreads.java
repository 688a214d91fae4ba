package io.github.dl4jcontinual.trainer;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The native (OpenMP and BLAS) thread count used while the trainer trains one experience, put back afterwards.
 *
 * <p>At small minibatches the work of one op is too small to split: on the CPU backend every op pays OpenMP's
 * fork/join and, on a machine with other busy processes, waits for its slowest thread (Split-MNIST at batch 10
 * ran 4.6× slower with 2 OpenMP threads than with 1 on a loaded 2-core machine; docs/benchmark.md). Hence
 * {@link ContinualConfiguration#getNativeThreads()}: {@code 0} (auto, the default) uses one thread when the training
 * minibatch is at most {@link #AUTO_MAX_BATCH} and the user has not set {@code OMP_NUM_THREADS}; {@code -1} leaves
 * ND4J's setting alone; {@code n > 0} uses n threads. Evaluation runs with the process's own setting, except that
 * the auto mode uses one thread for test experiences of at most {@link #AUTO_MAX_BATCH} examples on average
 * ({@link #forEvaluation}). Only the CPU backend is changed.</p>
 */
final class NativeThreads implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NativeThreads.class);
    /** The largest training minibatch for which the auto mode uses one thread. */
    static final int AUTO_MAX_BATCH = 32;
    private static final NativeThreads NONE = new NativeThreads(-1, -1);

    private final int omp;
    private final int blas;

    private NativeThreads(int omp, int blas) {
        this.omp = omp;
        this.blas = blas;
    }

    /**
     * @param setting   the configuration's value (0 auto, -1 leave, n threads)
     * @param batchSize the training minibatch size
     * @return a scope to close after the experience (restores the previous counts)
     */
    static NativeThreads forTraining(int setting, int batchSize) {
        int wanted = threadsFor(setting, batchSize, System.getenv("OMP_NUM_THREADS"));
        if (wanted <= 0 || !isCpuBackend()) {
            return NONE;
        }
        try {
            int omp = NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
            int blas = Nd4j.factory().blas().getMaxThreads();
            if (omp == wanted && blas == wanted) {
                return NONE;
            }
            set(wanted, wanted);
            return new NativeThreads(omp, blas);
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("Cannot set the native thread count to {}: {}", wanted, e.toString());
            return NONE;
        }
    }

    /**
     * The evaluation's scope: in auto mode one thread when the test experiences hold at most
     * {@link #AUTO_MAX_BATCH} examples on average (then every gather and forward pass is tiny, and OpenMP's
     * fork/join dominates: a 10-row gather took 0.2-1.7 ms with 2 threads, 30-80 µs with one); otherwise the
     * process's setting.
     *
     * @param setting  the configuration's value (0 auto, -1 leave, n: training only)
     * @param meanRows mean examples per test experience
     * @return a scope to close after the evaluation
     */
    static NativeThreads forEvaluation(int setting, long meanRows) {
        return setting == 0 && meanRows <= AUTO_MAX_BATCH ? forTraining(0, (int) meanRows) : NONE;
    }

    /**
     * @param setting  the configuration's value (0 auto, -1 leave, n: training only)
     * @param meanRows mean examples per test experience
     * @return the count {@link #forEvaluation} uses, or 0 for the process's setting
     */
    static int evaluationThreads(int setting, long meanRows) {
        return setting == 0 && meanRows <= AUTO_MAX_BATCH ? threadsFor(0, (int) meanRows,
                System.getenv("OMP_NUM_THREADS")) : 0;
    }

    /** @return a holder that keeps a count across experiences of one {@code fit}, so that it is set once */
    static Holder hold() {
        return new Holder();
    }

    /**
     * The counts of a whole {@code fit}: {@link #use} changes them only when another count is wanted (setting the
     * OpenMP and OpenBLAS counts costs about a millisecond, which a stream of many small experiences would pay four
     * times per experience), {@link #close} puts the process's counts back.
     */
    static final class Holder implements AutoCloseable {
        private int omp = -1;
        private int blas = -1;
        private int current;

        /** @param wanted the count to use from now on, 0 for the process's own */
        void use(int wanted) {
            if (wanted == current || (wanted > 0 && !isCpuBackend())) {
                return;
            }
            try {
                if (current == 0) {
                    omp = NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
                    blas = Nd4j.factory().blas().getMaxThreads();
                }
                if (wanted == 0) {
                    set(omp, blas);
                } else {
                    set(wanted, wanted);
                }
                current = wanted;
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("Cannot set the native thread count to {}: {}", wanted, e.toString());
            }
        }

        @Override
        public void close() {
            use(0);
        }
    }

    /**
     * @param setting   the configuration's value
     * @param batchSize the training minibatch size
     * @param ompEnv    the value of {@code OMP_NUM_THREADS}, or null
     * @return the thread count to use, or 0 to leave the setting alone
     */
    static int threadsFor(int setting, int batchSize, String ompEnv) {
        if (setting > 0) {
            return setting;
        }
        if (setting < 0 || (ompEnv != null && !ompEnv.isBlank())) {
            return 0;
        }
        return batchSize <= AUTO_MAX_BATCH ? 1 : 0;
    }

    private static boolean isCpuBackend() {
        return Nd4j.getBackend().getClass().getName().contains("CpuBackend");
    }

    private static void set(int omp, int blas) {
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(omp);
        Nd4j.factory().blas().setMaxThreads(blas);
    }

    @Override
    public void close() {
        if (this != NONE) {
            set(omp, blas);
        }
    }
}
