package io.github.dl4jcontinual.scenario;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * An ordered, finite sequence of {@link Experience}s ("train" or "test"). Immutable; {@link #slice} gives a
 * view of a range (e.g. to resume from experience k).
 */
public final class ExperienceStream implements Iterable<Experience> {
    private final String name;
    private final List<Experience> experiences;

    ExperienceStream(String name, List<Experience> experiences) {
        if (experiences.isEmpty()) {
            throw new IllegalArgumentException("The " + name + " stream has no experiences");
        }
        this.name = name;
        this.experiences = Collections.unmodifiableList(new ArrayList<>(experiences));
    }

    /** @return the stream's name */
    public String name() {
        return name;
    }

    /** @return the number of experiences */
    public int size() {
        return experiences.size();
    }

    /**
     * @param index position in the stream
     * @return the experience at {@code index}
     * @throws IndexOutOfBoundsException naming the index and the size
     */
    public Experience get(int index) {
        if (index < 0 || index >= experiences.size()) {
            throw new IndexOutOfBoundsException("Experience " + index + " does not exist in the " + name
                    + " stream of " + experiences.size() + " experiences");
        }
        return experiences.get(index);
    }

    /**
     * @param fromInclusive first experience
     * @param toExclusive   end (exclusive)
     * @return a stream of the experiences in the range; they keep their original {@link Experience#index()}
     */
    public ExperienceStream slice(int fromInclusive, int toExclusive) {
        if (fromInclusive < 0 || toExclusive > experiences.size() || fromInclusive >= toExclusive) {
            throw new IndexOutOfBoundsException("Slice [" + fromInclusive + ", " + toExclusive + ") is not a "
                    + "non-empty range of the " + name + " stream of " + experiences.size() + " experiences");
        }
        return new ExperienceStream(name, experiences.subList(fromInclusive, toExclusive));
    }

    @Override
    public Iterator<Experience> iterator() {
        return experiences.iterator();
    }

    /** @return the total number of examples over all experiences */
    public long numExamples() {
        long n = 0;
        for (Experience e : experiences) {
            n += e.numExamples();
        }
        return n;
    }
}
