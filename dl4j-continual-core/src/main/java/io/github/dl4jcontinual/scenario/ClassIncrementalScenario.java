package io.github.dl4jcontinual.scenario;

import io.github.dl4jcontinual.data.ExampleSource;
import org.datavec.api.records.reader.RecordReader;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds class-incremental (and, with {@link Builder#taskLabels(boolean)}, task-incremental) scenarios: the
 * classes are split into groups that arrive one experience at a time.
 *
 * <pre>{@code
 * Scenario s = new ClassIncrementalScenario.Builder()
 *         .train(trainIterator).test(testIterator)
 *         .numExperiences(5).classOrder(ClassOrder.random(42))
 *         .build();
 * }</pre>
 *
 * <p>Class ids are relabelled in arrival order. The builder reads each source once to index it (the class of every
 * example) and never keeps the examples: experiences read them from the source whenever they are iterated (see
 * {@link ExampleSource}). Every validation error names the offending value.</p>
 */
public final class ClassIncrementalScenario {
    private ClassIncrementalScenario() {
    }

    /** DL4J-style builder; {@link #build()} checks cross-field consistency. */
    public static final class Builder {
        /** Examples a DataVec reader reads at a time. */
        private static final int READER_BATCH = 128;
        private ExampleSource train;
        private ExampleSource test;
        private Integer numExperiences;
        private int[] classesPerExperience;
        private int[][] experienceClasses;
        private ClassOrder classOrder = ClassOrder.natural();
        private RemainderPolicy remainder = RemainderPolicy.ERROR;
        private boolean taskLabels;
        private String name = "class-incremental";
        private int classificationOutput;
        private int shuffleBuffer = Experience.DEFAULT_SHUFFLE_BUFFER;
        private List<String> classNames;

        /**
         * @param train training examples in memory (features of any rank, one-hot labels); kept by reference
         * @return this builder
         */
        public Builder train(DataSet train) {
            this.train = ExampleSource.of(java.util.Objects.requireNonNull(train, "train"));
            return this;
        }

        /**
         * @param train training examples of a multi-input or multi-output network, in memory
         * @return this builder
         */
        public Builder train(MultiDataSet train) {
            this.train = ExampleSource.of(java.util.Objects.requireNonNull(train, "train"));
            return this;
        }

        /**
         * @param train any resettable iterator; it is read once to index it and again whenever an experience is
         *              iterated (its pre-processor applies on every read)
         * @return this builder
         */
        public Builder train(DataSetIterator train) {
            this.train = ExampleSource.of(java.util.Objects.requireNonNull(train, "train"));
            return this;
        }

        /**
         * @param train any resettable iterator of a multi-input or multi-output network
         * @return this builder
         */
        public Builder train(MultiDataSetIterator train) {
            this.train = ExampleSource.of(java.util.Objects.requireNonNull(train, "train"));
            return this;
        }

        /**
         * @param reader     an initialised DataVec record reader, read through DL4J's
         *                   {@code RecordReaderDataSetIterator}
         * @param labelIndex column holding the integer label
         * @param numClasses label width
         * @return this builder
         */
        public Builder train(RecordReader reader, int labelIndex, int numClasses) {
            this.train = ExampleSource.of(reader, READER_BATCH, labelIndex, numClasses);
            return this;
        }

        /**
         * @param train any source
         * @return this builder
         */
        public Builder train(ExampleSource train) {
            this.train = java.util.Objects.requireNonNull(train, "train");
            return this;
        }

        /**
         * @param test test examples in memory
         * @return this builder
         */
        public Builder test(DataSet test) {
            this.test = ExampleSource.of(java.util.Objects.requireNonNull(test, "test"));
            return this;
        }

        /**
         * @param test test examples of a multi-input or multi-output network, in memory
         * @return this builder
         */
        public Builder test(MultiDataSet test) {
            this.test = ExampleSource.of(java.util.Objects.requireNonNull(test, "test"));
            return this;
        }

        /**
         * @param test any resettable iterator (read, not drained)
         * @return this builder
         */
        public Builder test(DataSetIterator test) {
            this.test = ExampleSource.of(java.util.Objects.requireNonNull(test, "test"));
            return this;
        }

        /**
         * @param test any resettable iterator of a multi-input or multi-output network
         * @return this builder
         */
        public Builder test(MultiDataSetIterator test) {
            this.test = ExampleSource.of(java.util.Objects.requireNonNull(test, "test"));
            return this;
        }

        /**
         * @param reader     a DataVec record reader
         * @param labelIndex column holding the integer label
         * @param numClasses label width
         * @return this builder
         */
        public Builder test(RecordReader reader, int labelIndex, int numClasses) {
            this.test = ExampleSource.of(reader, READER_BATCH, labelIndex, numClasses);
            return this;
        }

        /**
         * @param test any source
         * @return this builder
         */
        public Builder test(ExampleSource test) {
            this.test = java.util.Objects.requireNonNull(test, "test");
            return this;
        }

        /**
         * @param output the index of the label array that carries the classes (multi-output graphs; default 0)
         * @return this builder
         */
        public Builder classificationOutput(int output) {
            if (output < 0) {
                throw new IllegalArgumentException("classificationOutput should be >= 0 (got: " + output + ")");
            }
            this.classificationOutput = output;
            return this;
        }

        /**
         * @param examples size of the shuffle buffer used when a source read in order is iterated with shuffling
         *                 (default {@value Experience#DEFAULT_SHUFFLE_BUFFER}); in-memory sources shuffle fully
         * @return this builder
         */
        public Builder shuffleBuffer(int examples) {
            if (examples < 1) {
                throw new IllegalArgumentException("shuffleBuffer should be >= 1 (got: " + examples + ")");
            }
            this.shuffleBuffer = examples;
            return this;
        }

        /**
         * @param n number of experiences (exclusive with the two explicit splits)
         * @return this builder
         */
        public Builder numExperiences(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("numExperiences should be > 0 (got: " + n + ")");
            }
            this.numExperiences = n;
            return this;
        }

        /**
         * @param counts number of classes in each experience, in order; must sum to the number of classes
         * @return this builder
         */
        public Builder classesPerExperience(int... counts) {
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] <= 0) {
                    throw new IllegalArgumentException("classesPerExperience[" + i + "] should be > 0 (got: "
                            + counts[i] + "): an experience without classes would be empty");
                }
            }
            this.classesPerExperience = counts.clone();
            return this;
        }

        /**
         * Explicit class groups by the dataset's class ids; this also fixes the class order.
         *
         * @param groups one array of class ids per experience, disjoint, covering every class with examples
         * @return this builder
         * @throws IllegalArgumentException if a group is empty or a class is in two groups (or twice in one),
         *                                  naming the class and the groups
         */
        public Builder experienceClasses(int[]... groups) {
            for (int i = 0; i < groups.length; i++) {
                if (groups[i] == null || groups[i].length == 0) {
                    throw new IllegalArgumentException("experienceClasses[" + i + "] is empty: an experience "
                            + "without classes would have no examples");
                }
            }
            java.util.Map<Integer, Integer> groupOf = new java.util.HashMap<>();
            for (int i = 0; i < groups.length; i++) {
                for (int c : groups[i]) {
                    Integer j = groupOf.putIfAbsent(c, i);
                    if (j != null) {
                        throw new IllegalArgumentException(j == i
                                ? "Class " + c + " appears twice in experienceClasses[" + i + "] "
                                + Arrays.toString(groups[i]) + ": each class must be listed once, in exactly one group"
                                : "Class " + c + " appears in experienceClasses[" + j + "] " + Arrays.toString(groups[j])
                                + " and experienceClasses[" + i + "] " + Arrays.toString(groups[i]) + ": the groups "
                                + "overlap; each class must be in exactly one group");
                    }
                }
            }
            this.experienceClasses = Arrays.stream(groups).map(int[]::clone).toArray(int[][]::new);
            return this;
        }

        /**
         * @param order natural, fixed or seeded-random order of the classes
         * @return this builder
         */
        public Builder classOrder(ClassOrder order) {
            this.classOrder = java.util.Objects.requireNonNull(order, "order");
            return this;
        }

        /**
         * @param policy what to do with classes left over by {@link #numExperiences(int)}
         * @return this builder
         */
        public Builder remainder(RemainderPolicy policy) {
            this.remainder = java.util.Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * @param taskLabels whether experiences carry a task id (task-incremental scenario)
         * @return this builder
         */
        public Builder taskLabels(boolean taskLabels) {
            this.taskLabels = taskLabels;
            return this;
        }

        /**
         * @param name a name for reports
         * @return this builder
         */
        public Builder name(String name) {
            this.name = java.util.Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * @param names the dataset's class names, one per label column (index = dataset class id); by default the
         *              training source's own labels when it has them (a DataVec reader's, e.g. the folder names of
         *              an {@code ImageRecordReader} with a {@code ParentPathLabelGenerator}), else none
         * @return this builder
         */
        public Builder classNames(List<String> names) {
            this.classNames = List.copyOf(names);
            return this;
        }

        /**
         * @return the scenario
         * @throws IllegalStateException    on conflicting or missing options
         * @throws IllegalArgumentException on data that does not fit the options
         */
        public Scenario build() {
            ScenarioData.require(train, "train");
            ScenarioData.require(test, "test");
            int splitOptions = (numExperiences != null ? 1 : 0) + (classesPerExperience != null ? 1 : 0)
                    + (experienceClasses != null ? 1 : 0);
            if (splitOptions != 1) {
                throw new IllegalStateException("Set exactly one of numExperiences, classesPerExperience or "
                        + "experienceClasses (got " + splitOptions + ")");
            }
            SourceIndex trainIdx = SourceIndex.scan(train, "train", classificationOutput);
            SourceIndex testIdx = SourceIndex.scan(test, "test", classificationOutput);
            ScenarioData.checkSameClasses(trainIdx, testIdx);
            int width = trainIdx.labelWidth;
            int[] trainPresent = trainIdx.present();

            int[] order;
            int[] counts;
            if (experienceClasses != null) {
                if (!classOrder.equals(ClassOrder.natural())) {
                    throw new IllegalStateException("experienceClasses fixes the class order; do not also set "
                            + "classOrder (" + classOrder + ")");
                }
                order = Arrays.stream(experienceClasses).flatMapToInt(Arrays::stream).toArray();
                order = ClassOrder.fixed(order).apply(trainPresent, width);
                counts = Arrays.stream(experienceClasses).mapToInt(g -> g.length).toArray();
            } else {
                order = classOrder.apply(trainPresent, width);
                counts = classesPerExperience != null ? checkCounts(classesPerExperience, order.length)
                        : split(order.length, numExperiences, remainder);
            }
            int k = order.length;
            List<Experience> trainExps = new ArrayList<>();
            List<Experience> testExps = new ArrayList<>();
            int start = 0;
            for (int e = 0; e < counts.length; e++) {
                int[] classes = ScenarioData.range(start, start + counts[e]);
                int[] seen = ScenarioData.range(0, start + counts[e]);
                int[] original = ScenarioData.original(classes, order);
                int task = taskLabels ? e : -1;
                trainExps.add(ScenarioData.experience("train", e, task, classes, seen, trainIdx,
                        trainIdx.positionsOf(original), null, order, shuffleBuffer));
                testExps.add(ScenarioData.experience("test", e, task, classes, seen, testIdx,
                        testIdx.positionsOf(original), null, order, shuffleBuffer));
                start += counts[e];
            }
            List<String> names = classNames;
            if (names == null) {
                List<String> fromSource = train.labels();
                names = fromSource.size() == width ? fromSource : List.of();
            }
            return new Scenario(name, taskLabels ? ScenarioType.TASK_INCREMENTAL : ScenarioType.CLASS_INCREMENTAL,
                    new ExperienceStream("train", trainExps), new ExperienceStream("test", testExps), order, k, width,
                    names);
        }

        private static int[] checkCounts(int[] counts, int numClasses) {
            int sum = Arrays.stream(counts).sum();
            if (sum != numClasses) {
                throw new IllegalArgumentException("classesPerExperience " + Arrays.toString(counts) + " sums to "
                        + sum + " but the data has " + numClasses + " classes");
            }
            return counts;
        }

        private static int[] split(int numClasses, int n, RemainderPolicy policy) {
            if (n > numClasses) {
                throw new IllegalArgumentException("numExperiences (" + n + ") is larger than the number of classes ("
                        + numClasses + "): some experiences would be empty");
            }
            int base = numClasses / n;
            int rest = numClasses % n;
            int[] counts = new int[n];
            Arrays.fill(counts, base);
            if (rest != 0) {
                switch (policy) {
                    case LAST_EXPERIENCE:
                        counts[n - 1] += rest;
                        break;
                    case SPREAD_FIRST:
                        for (int i = 0; i < rest; i++) {
                            counts[i]++;
                        }
                        break;
                    default:
                        throw new IllegalArgumentException(numClasses + " classes do not split evenly into " + n
                                + " experiences (" + rest + " left over); choose remainder(LAST_EXPERIENCE or "
                                + "SPREAD_FIRST) or give classesPerExperience(...)");
                }
            }
            return counts;
        }
    }
}
