package io.github.dl4jcontinual.arbiter.search;

import io.github.dl4jcontinual.arbiter.spaces.ContinualCandidate;
import io.github.dl4jcontinual.eval.ContinualResult;
import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.api.saving.ResultReference;
import org.deeplearning4j.arbiter.optimize.api.saving.ResultSaver;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Arbiter {@link ResultSaver} that writes one {@link SearchRecord} per candidate into a directory, atomically
 * (temporary file, then rename), so that a search killed half-way leaves only complete records; a new search
 * over the same space, seed and directory picks them up instead of re-running those candidates
 * ({@link ContinualTaskCreator}). Failed candidates are recorded too, with their reason.
 */
public class ContinualResultSaver implements ResultSaver {
    private final File dir;

    /**
     * @param dir the results directory (created if missing)
     */
    public ContinualResultSaver(File dir) {
        this.dir = dir;
        if (!dir.isDirectory() && !dir.mkdirs()) {
            throw new UncheckedIOException(new IOException("Cannot create the results directory " + dir));
        }
    }

    /** @return the results directory */
    public File directory() {
        return dir;
    }

    private File file(int index) {
        return new File(dir, String.format(java.util.Locale.ROOT, "candidate-%04d.json", index));
    }

    void write(SearchRecord r) throws IOException {
        File tmp = new File(dir, file(r.index()).getName() + ".tmp");
        Files.write(tmp.toPath(), r.toJson().getBytes(StandardCharsets.UTF_8));
        Files.move(tmp.toPath(), file(r.index()).toPath(), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * @param index a candidate index
     * @return its record, or null if none was written
     * @throws IOException if the record exists but cannot be read
     */
    public SearchRecord load(int index) throws IOException {
        File f = file(index);
        if (!f.isFile()) {
            return null;
        }
        try {
            return SearchRecord.fromJson(new String(Files.readAllBytes(f.toPath()), StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw new IOException("Cannot read the search record " + f + ": " + e.getMessage(), e);
        }
    }

    /**
     * @return every record in the directory, by index
     * @throws IOException if one cannot be read
     */
    public List<SearchRecord> records() throws IOException {
        List<SearchRecord> out = new ArrayList<>();
        File[] files = dir.listFiles((d, n) -> n.startsWith("candidate-") && n.endsWith(".json"));
        if (files == null) {
            return out;
        }
        java.util.Arrays.sort(files);
        for (File f : files) {
            int i = Integer.parseInt(f.getName().substring("candidate-".length(), f.getName().length() - 5));
            out.add(load(i));
        }
        return out;
    }

    @Override
    public ResultReference saveModel(OptimizationResult result, Object modelResult) throws IOException {
        if (!(modelResult instanceof ContinualResult)) {
            throw new IllegalArgumentException("ContinualResultSaver saves ContinualResults (got: "
                    + (modelResult == null ? null : modelResult.getClass().getName()) + ")");
        }
        Candidate<?> c = result.getCandidate();
        long millis = result.getCandidateInfo() == null || result.getCandidateInfo().getStartTime() == null ? 0
                : System.currentTimeMillis() - result.getCandidateInfo().getStartTime();
        write(SearchRecord.complete(result.getIndex(), c.getFlatParameters(), (ContinualCandidate) c.getValue(),
                result.getScore(), (ContinualResult) modelResult, millis));
        return reference(result.getIndex());
    }

    ResultReference reference(int index) {
        return new ResultReference() {
            @Override
            public OptimizationResult getResult() throws IOException {
                SearchRecord r = load(index);
                return new OptimizationResult(new Candidate<>(r.candidate(), r.index(), r.values()), r.score(),
                        r.index(), r.result(), null, this);
            }

            @Override
            public Object getResultModel() throws IOException {
                return load(index).result();
            }
        };
    }

    @Override
    public List<Class<?>> getSupportedCandidateTypes() {
        return List.of(ContinualCandidate.class);
    }

    @Override
    public List<Class<?>> getSupportedModelTypes() {
        return List.of(ContinualResult.class);
    }
}
