package io.github.dl4jcontinual.scenario;

import io.github.dl4jcontinual.data.DataSets;
import org.datavec.api.records.reader.RecordReader;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

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
 * <p>Class ids are relabelled in arrival order. Every validation error names the offending value.</p>
 */
public final class ClassIncrementalScenario {
    private ClassIncrementalScenario() {
    }

    /** DL4J-style builder; {@link #build()} checks cross-field consistency. */
    public static final class Builder {
        private DataSet train;
        private DataSet test;
        private Integer numExperiences;
        private int[] classesPerExperience;
        private int[][] experienceClasses;
        private ClassOrder classOrder = ClassOrder.natural();
        private RemainderPolicy remainder = RemainderPolicy.ERROR;
        private boolean taskLabels;
        private String name = "class-incremental";

        /**
         * @param train training examples (2-d features, one-hot labels)
         * @return this builder
         */
        public Builder train(DataSet train) {
            this.train = train;
            return this;
        }

        /**
         * @param train any iterator; it is drained once into memory
         * @return this builder
         */
        public Builder train(DataSetIterator train) {
            this.train = DataSets.collect(train);
            return this;
        }

        /**
         * @param reader     a DataVec record reader; drained once into memory
         * @param labelIndex column holding the integer label
         * @param numClasses label width
         * @return this builder
         */
        public Builder train(RecordReader reader, int labelIndex, int numClasses) {
            this.train = DataSets.fromRecordReader(reader, labelIndex, numClasses);
            return this;
        }

        /**
         * @param test test examples
         * @return this builder
         */
        public Builder test(DataSet test) {
            this.test = test;
            return this;
        }

        /**
         * @param test any iterator; drained once
         * @return this builder
         */
        public Builder test(DataSetIterator test) {
            this.test = DataSets.collect(test);
            return this;
        }

        /**
         * @param reader     a DataVec record reader; drained once
         * @param labelIndex column holding the integer label
         * @param numClasses label width
         * @return this builder
         */
        public Builder test(RecordReader reader, int labelIndex, int numClasses) {
            this.test = DataSets.fromRecordReader(reader, labelIndex, numClasses);
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
         */
        public Builder experienceClasses(int[]... groups) {
            for (int i = 0; i < groups.length; i++) {
                if (groups[i] == null || groups[i].length == 0) {
                    throw new IllegalArgumentException("experienceClasses[" + i + "] is empty: an experience "
                            + "without classes would have no examples");
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
         * @return the scenario
         * @throws IllegalStateException    on conflicting or missing options
         * @throws IllegalArgumentException on data that does not fit the options
         */
        public Scenario build() {
            ScenarioData.requireSource(train, "train");
            ScenarioData.requireSource(test, "test");
            int splitOptions = (numExperiences != null ? 1 : 0) + (classesPerExperience != null ? 1 : 0)
                    + (experienceClasses != null ? 1 : 0);
            if (splitOptions != 1) {
                throw new IllegalStateException("Set exactly one of numExperiences, classesPerExperience or "
                        + "experienceClasses (got " + splitOptions + ")");
            }
            int width = (int) train.getLabels().size(1);
            int[] trainIds = ScenarioData.ids(train);
            int[] testIds = ScenarioData.ids(test);
            int[] trainPresent = ScenarioData.present(trainIds);
            int[] testPresent = ScenarioData.present(testIds);
            ScenarioData.checkSameClasses(trainPresent, testPresent, width, test.getLabels().size(1));

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
            DataSet trainR = ScenarioData.relabel(train, order);
            DataSet testR = ScenarioData.relabel(test, order);
            int[] inv = ScenarioData.inverse(order, width);
            int[] trainRel = Arrays.stream(trainIds).map(c -> inv[c]).toArray();
            int[] testRel = Arrays.stream(testIds).map(c -> inv[c]).toArray();

            List<Experience> trainExps = new ArrayList<>();
            List<Experience> testExps = new ArrayList<>();
            int start = 0;
            for (int e = 0; e < counts.length; e++) {
                int[] classes = ScenarioData.range(start, start + counts[e]);
                int[] seen = ScenarioData.range(0, start + counts[e]);
                int task = taskLabels ? e : -1;
                trainExps.add(ScenarioData.experience("train", e, task, classes, seen,
                        ScenarioData.select(trainR, trainRel, classes), null));
                testExps.add(ScenarioData.experience("test", e, task, classes, seen,
                        ScenarioData.select(testR, testRel, classes), null));
                start += counts[e];
            }
            return new Scenario(name, taskLabels ? ScenarioType.TASK_INCREMENTAL : ScenarioType.CLASS_INCREMENTAL,
                    new ExperienceStream("train", trainExps), new ExperienceStream("test", testExps), order, k);
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
