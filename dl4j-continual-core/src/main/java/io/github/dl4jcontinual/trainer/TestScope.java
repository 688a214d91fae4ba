package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.eval.AccuracyMatrix;

/**
 * Which test experiences the trainer evaluates after each experience ({@link ContinualConfiguration#getTestScope()}).
 * The cost of evaluation grows with the stream: {@link #ALL} scores every test experience after every experience
 * (T² passes over a stream of T), {@link #SEEN} one pass over the test data seen so far (T²/2, what Mammoth's and
 * PyCIL's protocols do), {@link #SEEN_AND_NEXT} that plus the next experience. Cells that a scope does not evaluate
 * are undefined ({@code NaN}) in every matrix of the result, and the measures that need them are NaN
 * ({@link AccuracyMatrix} skips undefined terms).
 *
 * <table>
 *   <caption>What each scope keeps</caption>
 *   <tr><th>scope</th><th>baseline row</th><th>cells R[i][j]</th><th>defined measures</th></tr>
 *   <tr><td>ALL</td><td>yes</td><td>every j</td><td>all, including the whole upper triangle</td></tr>
 *   <tr><td>SEEN_AND_NEXT</td><td>yes</td><td>j &le; i + 1</td><td>average accuracy, forgetting, backward and
 *       forward transfer (GEM's forward transfer reads R[i-1][i] and the baseline)</td></tr>
 *   <tr><td>SEEN</td><td>no</td><td>j &le; i</td><td>average accuracy, forgetting, backward transfer</td></tr>
 * </table>
 *
 * <p>The scope applies to the trainer's own accuracy and to every plugin's stream metric: they receive the scoped
 * test experiences (a prefix of the test stream, in order) and their rows are padded with undefined cells.</p>
 */
public enum TestScope {
    /** Every test experience after every experience, and the baseline before the first (the default). */
    ALL,
    /** The test experiences of the experiences learned so far and of the next one; the baseline too. */
    SEEN_AND_NEXT,
    /** Only the test experiences of the experiences learned so far; no baseline. */
    SEEN;

    /**
     * @param learned experiences learned so far (0 for the baseline)
     * @param total   test experiences in the stream
     * @return how many leading test experiences this scope evaluates
     */
    public int evaluated(int learned, int total) {
        switch (this) {
            case SEEN:
                return Math.min(learned, total);
            case SEEN_AND_NEXT:
                return learned == 0 ? total : Math.min(learned + 1, total);
            default:
                return total;
        }
    }
}
