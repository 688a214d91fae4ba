package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.arbiter.search.SearchRecord;
import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.testutil.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Arbiter example on 100 training images per digit: two candidates scored, then resumed from the records. */
class ArbiterSearchTest {
    @Test
    void searchScoresOnValidationAndResumes(@TempDir Path dir) throws Exception {
        DataSet train = DataSets.perClass(SharedData.mnistTrain(), 0, 100);
        DataSet test = DataSets.perClass(SharedData.mnistTest(), 0, 20);
        List<SearchRecord> ranked = ArbiterSearch.search(train, test, 2, dir.toFile());
        System.out.println(io.github.dl4jcontinual.arbiter.search.ContinualSearch.table(ranked));
        assertEquals(2, ranked.size());
        assertEquals(SearchRecord.Status.COMPLETE, ranked.get(0).status(), "the best candidate completed");
        for (SearchRecord r : ranked) {
            if (r.status() == SearchRecord.Status.COMPLETE) {
                assertTrue(r.score() > 0.1 && r.score() <= 1, "score " + r.score());
                assertTrue(r.score() <= ranked.get(0).score(), "ranked by score");
            }
        }
        Map<Path, FileTime> written = times(dir);
        List<SearchRecord> again = ArbiterSearch.search(train, test, 2, dir.toFile());
        assertEquals(ranked.get(0).score(), again.get(0).score(), 0.0, "the recorded candidates are read back");
        assertEquals(written, times(dir), "a resumed search rewrites no record");
    }

    private static Map<Path, FileTime> times(Path dir) throws IOException {
        Map<Path, FileTime> m = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                m.put(p, Files.getLastModifiedTime(p));
            }
        }
        assertTrue(m.size() >= 2, "records in " + dir + ": " + m.keySet());
        return m;
    }
}
