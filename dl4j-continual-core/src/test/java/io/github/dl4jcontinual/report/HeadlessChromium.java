package io.github.dl4jcontinual.report;

import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Debian's {@code chromium} headless on a local file: its DOM after scripts ran, the page's console messages
 * and a screenshot. When no Chromium is on the PATH the calling test is skipped on a developer machine and fails
 * under {@code CI=true} ({@code .ci/run} installs it).
 */
final class HeadlessChromium {
    private static final String[] NAMES = {"chromium", "chromium-browser", "google-chrome"};
    private final File executable;

    private HeadlessChromium(File executable) {
        this.executable = executable;
    }

    /** The DOM and console of a page. */
    static final class Page {
        private final String dom;
        private final List<String> console;

        Page(String dom, List<String> console) {
            this.dom = dom;
            this.console = console;
        }

        String dom() {
            return dom;
        }

        List<String> consoleMessages() {
            return console;
        }
    }

    static HeadlessChromium find() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String n : NAMES) {
                File f = new File(dir, n);
                if (f.canExecute()) {
                    return new HeadlessChromium(f);
                }
            }
        }
        String msg = "No Chromium on the PATH (Debian: apt-get install chromium)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            Assertions.fail(msg);
        }
        Assumptions.abort(msg);
        return null;
    }

    Page dumpDom(File html) throws IOException, InterruptedException {
        File err = File.createTempFile("chromium", ".log");
        File dom = File.createTempFile("chromium", ".html");
        try {
            run(List.of("--enable-logging=stderr", "--v=0", "--dump-dom", html.toURI().toString()), dom, err);
            List<String> console = new ArrayList<>();
            for (String line : Files.readAllLines(err.toPath(), StandardCharsets.UTF_8)) {
                if (line.contains(":CONSOLE")) {
                    console.add(line);
                }
            }
            return new Page(Files.readString(dom.toPath(), StandardCharsets.UTF_8), console);
        } finally {
            Files.deleteIfExists(err.toPath());
            Files.deleteIfExists(dom.toPath());
        }
    }

    BufferedImage screenshot(File html, File png, int width, int height) throws IOException, InterruptedException {
        Files.deleteIfExists(png.toPath());
        File log = File.createTempFile("chromium", ".log");
        try {
            run(List.of("--hide-scrollbars", "--window-size=" + width + "," + height,
                    "--screenshot=" + png.getAbsolutePath(), html.toURI().toString()), log, log);
        } finally {
            Files.deleteIfExists(log.toPath());
        }
        BufferedImage img = ImageIO.read(png);
        Assertions.assertNotNull(img, "Chromium wrote no screenshot " + png);
        return img;
    }

    private void run(List<String> args, File out, File err) throws IOException, InterruptedException {
        File profile = Files.createTempDirectory("chromium-profile").toFile();
        List<String> cmd = new ArrayList<>(List.of(executable.getPath(), "--headless", "--no-sandbox", "--disable-gpu",
                "--user-data-dir=" + profile));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectOutput(out).redirectError(err).start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                Assertions.fail("Chromium did not finish in 120 s: " + cmd);
            }
        } finally {
            FileUtils.deleteQuietly(profile);
        }
        Assertions.assertEquals(0, p.exitValue(), "Chromium's exit code: " + cmd + "\n"
                + Files.readString(err.toPath(), StandardCharsets.UTF_8));
    }
}
