package io.github.dl4jcontinual.arbiter.search;

import io.github.dl4jcontinual.arbiter.spaces.ContinualSearchSpace;
import org.deeplearning4j.arbiter.optimize.api.CandidateGenerator;
import org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction;
import org.deeplearning4j.arbiter.optimize.api.termination.MaxCandidatesCondition;
import org.deeplearning4j.arbiter.optimize.config.OptimizationConfiguration;
import org.deeplearning4j.arbiter.optimize.generator.BaseCandidateGenerator;
import org.deeplearning4j.arbiter.optimize.generator.GridSearchCandidateGenerator;
import org.deeplearning4j.arbiter.optimize.generator.RandomSearchGenerator;
import org.deeplearning4j.arbiter.optimize.runner.LocalOptimizationRunner;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A hyper-parameter search over whole continual runs through Arbiter's {@link LocalOptimizationRunner}: random or
 * grid candidates from a {@link ContinualSearchSpace}, each trained through the provider's search (validation)
 * scenario by a {@link ContinualTaskCreator}, scored by a {@link ContinualScoreFunction} and recorded in a
 * directory by a {@link ContinualResultSaver}. Running the same search (space, generator seed, directory) again
 * resumes it: recorded candidates are not re-run. Candidates run one at a time (DL4J training uses all cores).
 *
 * <pre>{@code
 * List<SearchRecord> ranked = new ContinualSearch.Builder(space, new ContinualDataProvider(validation, test))
 *         .randomSearch(8, 42).directory(new File("results/search")).build().run();
 * }</pre>
 */
public final class ContinualSearch {
    private final ContinualSearchSpace space;
    private final ContinualDataProvider data;
    private final ScoreFunction score;
    private final CandidateGenerator generator;
    private final int maxCandidates;
    private final ContinualResultSaver saver;

    private ContinualSearch(Builder b) {
        this.space = b.space;
        this.data = b.data;
        this.score = b.score;
        this.saver = new ContinualResultSaver(b.dir);
        BaseCandidateGenerator g = b.grid > 0
                ? new GridSearchCandidateGenerator(space, b.grid, GridSearchCandidateGenerator.Mode.Sequential, null)
                : new RandomSearchGenerator(space, null);
        // Arbiter beta7's runner waits for its termination condition even after the grid is exhausted: cap the
        // number of candidates at the grid's size
        this.maxCandidates = b.grid > 0 ? Math.min(b.maxCandidates, gridSize(b.grid)) : b.maxCandidates;
        g.setRngSeed(b.seed);
        this.generator = g;
    }

    private int gridSize(int discretization) {
        GridSearchCandidateGenerator count = new GridSearchCandidateGenerator(space, discretization,
                GridSearchCandidateGenerator.Mode.Sequential, null);
        int n = 0;
        while (count.hasMoreCandidates()) {
            count.getCandidate();
            n++;
        }
        return n;
    }

    /**
     * Runs the search to its end (or the generator's last candidate).
     *
     * @return every candidate's record: complete ones by decreasing score, then the failed ones by index
     * @throws IOException if records cannot be read back
     */
    public List<SearchRecord> run() throws IOException {
        OptimizationConfiguration conf = new OptimizationConfiguration.Builder().candidateGenerator(generator)
                .dataProvider(data).modelSaver(saver).scoreFunction(score)
                .terminationConditions(new MaxCandidatesCondition(maxCandidates)).build();
        LocalOptimizationRunner runner = new LocalOptimizationRunner(1, conf, new ContinualTaskCreator(saver));
        try {
            runner.execute();
        } finally {
            runner.shutdown(true); // its executor threads are not daemons: without this the JVM never exits
        }
        return ranked(saver.records());
    }

    /**
     * @param records search records
     * @return complete records by decreasing score, then failed ones by index
     */
    public static List<SearchRecord> ranked(List<SearchRecord> records) {
        List<SearchRecord> out = new ArrayList<>(records);
        out.sort(Comparator.comparing((SearchRecord r) -> r.status() != SearchRecord.Status.COMPLETE)
                .thenComparing(r -> r.status() == SearchRecord.Status.COMPLETE ? -r.score() : 0.0)
                .thenComparingInt(SearchRecord::index));
        return out;
    }

    /**
     * @param ranked records from {@link #run()}
     * @return a markdown table: rank, candidate, strategy, score, time, failure reason
     */
    public static String table(List<SearchRecord> ranked) {
        StringBuilder sb = new StringBuilder("| rank | candidate | strategy | score | final class-IL | forgetting | "
                + "time (s) | status |\n|---|---|---|---|---|---|---|---|\n");
        int rank = 1;
        for (SearchRecord r : ranked) {
            boolean ok = r.status() == SearchRecord.Status.COMPLETE;
            String strategy = r.candidate() == null ? "?" : describe(r);
            sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %.0f | %s |%n",
                    ok ? String.valueOf(rank++) : "–", r.index(), strategy,
                    ok ? String.format(Locale.ROOT, "%.4f", r.score()) : "–",
                    ok ? String.format(Locale.ROOT, "%.4f", r.result().classIncremental().finalAverageAccuracy())
                            : "–",
                    ok ? String.format(Locale.ROOT, "%.4f", r.result().classIncremental().averageForgetting())
                            : "–",
                    r.millis() / 1000.0, ok ? "complete" : "failed: " + r.reason()));
        }
        return sb.toString();
    }

    private static String describe(SearchRecord r) {
        String lr = "";
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"learningRate\"\\s*:\\s*([0-9.eE-]+)")
                .matcher(r.candidate().modelJson());
        if (m.find()) {
            lr = String.format(Locale.ROOT, ", lr %.4g", Double.parseDouble(m.group(1)));
        }
        StringBuilder sb = new StringBuilder();
        for (io.github.dl4jcontinual.plugin.PluginConfiguration p : r.candidate().configuration().getPlugins()) {
            sb.append(sb.length() == 0 ? "" : " + ").append(p.name()).append('(');
            flatten(io.github.dl4jcontinual.serde.ContinualJson.mapper().valueToTree(p), "", sb);
            sb.setLength(sb.length() - (sb.charAt(sb.length() - 1) == ' ' ? 2 : 0));
            sb.append(')');
        }
        return (sb.length() == 0 ? "naive" : sb.toString()) + lr;
    }

    /** Appends the non-null scalar properties of a JSON tree as {@code path=value, }. */
    private static void flatten(org.nd4j.shade.jackson.databind.JsonNode node, String prefix, StringBuilder sb) {
        for (java.util.Iterator<java.util.Map.Entry<String, org.nd4j.shade.jackson.databind.JsonNode>> it =
             node.fields(); it.hasNext(); ) {
            java.util.Map.Entry<String, org.nd4j.shade.jackson.databind.JsonNode> e = it.next();
            org.nd4j.shade.jackson.databind.JsonNode v = e.getValue();
            if (e.getKey().equals("@class") || v.isNull()) {
                continue;
            }
            if (v.isObject()) {
                flatten(v, prefix + e.getKey() + ".", sb);
            } else if (v.isDouble()) {
                sb.append(prefix).append(e.getKey()).append('=')
                        .append(String.format(Locale.ROOT, "%.4g", v.asDouble())).append(", ");
            } else {
                sb.append(prefix).append(e.getKey()).append('=').append(v.asText()).append(", ");
            }
        }
    }

    /** Builder: random search of 10 candidates with seed 42 into {@code results/search} by default. */
    public static final class Builder {
        private final ContinualSearchSpace space;
        private final ContinualDataProvider data;
        private ScoreFunction score = new ContinualScoreFunction();
        private int maxCandidates = 10;
        private long seed = 42;
        private int grid;
        private File dir = new File("results/search");

        /**
         * @param space the search space
         * @param data  the search (validation) scenario and, optionally, the test scenario
         */
        public Builder(ContinualSearchSpace space, ContinualDataProvider data) {
            this.space = Objects.requireNonNull(space, "space");
            this.data = Objects.requireNonNull(data, "data");
        }

        /**
         * @param n    number of candidates, &gt; 0
         * @param seed the candidate generator's seed
         * @return this builder
         */
        public Builder randomSearch(int n, long seed) {
            this.maxCandidates = positive(n);
            this.seed = seed;
            this.grid = 0;
            return this;
        }

        /**
         * @param discretization values per continuous leaf, &gt; 0
         * @param maxCandidates  cap on the candidates run, &gt; 0
         * @return this builder
         */
        public Builder gridSearch(int discretization, int maxCandidates) {
            this.grid = positive(discretization);
            this.maxCandidates = positive(maxCandidates);
            return this;
        }

        private static int positive(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("expected a positive count (got: " + n + ")");
            }
            return n;
        }

        /**
         * @param score the score function (higher is better)
         * @return this builder
         */
        public Builder score(ScoreFunction score) {
            this.score = Objects.requireNonNull(score, "score");
            return this;
        }

        /**
         * @param dir where candidate records are written (and read back on resume)
         * @return this builder
         */
        public Builder directory(File dir) {
            this.dir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** @return the search */
        public ContinualSearch build() {
            return new ContinualSearch(this);
        }
    }
}
