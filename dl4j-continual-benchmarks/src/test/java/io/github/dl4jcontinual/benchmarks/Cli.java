package io.github.dl4jcontinual.benchmarks;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Runs {@link BenchmarksMain#execute} with captured output, for the tests. */
final class Cli {
    final int code;
    final String out;
    final String err;

    private Cli(int code, String out, String err) {
        this.code = code;
        this.out = out;
        this.err = err;
    }

    /** @return the exit code and both outputs of the command line */
    static Cli execute(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = BenchmarksMain.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Cli(code, out.toString(), err.toString());
    }

    /** @return the error output of a command line that must fail with exit code 2 */
    static String error(String... args) {
        Cli c = execute(args);
        assertEquals(2, c.code, "exit code of " + String.join(" ", args) + "; err: " + c.err);
        return c.err;
    }
}
