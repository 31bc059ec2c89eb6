package dev.archipelago.failure;

import java.time.Duration;

/**
 * The waits between tries of something that failed transiently: the first wait, then twice the
 * last, up to a ceiling. Every retry in Archipelago waits this way, the first wait and the ceiling
 * set by what a try costs ({@link #standard()} for a connection, longer for a whole push); only how
 * many tries a caller may make differs (a consumer's record tries for as long as a dependency is
 * down, a client call a few times, a push until its window closes).
 */
public final class Backoff {

    /** The first wait of {@link #standard()}. */
    public static final Duration FIRST = Duration.ofMillis(200);
    /** The longest wait of {@link #standard()}: a dependency that comes back is used within this. */
    public static final Duration CEILING = Duration.ofSeconds(2);

    private final Duration first;
    private final Duration ceiling;
    private Duration next;

    public Backoff(Duration first, Duration ceiling) {
        if (first.isNegative() || first.isZero() || ceiling.compareTo(first) < 0) {
            throw new IllegalArgumentException("a backoff needs 0 < first <= ceiling, not " + first + " and " + ceiling);
        }
        this.first = first;
        this.ceiling = ceiling;
        this.next = first;
    }

    /**
     * 200 ms, 400 ms, 800 ms, 1.6 s, then every 2 s: a try costs a failed connection, and a dependency that comes back is used
     * at once.
     */
    public static Backoff standard() {
        return new Backoff(FIRST, CEILING);
    }

    /** The wait before the next try; each call doubles the one after, up to the ceiling. */
    public Duration next() {
        Duration wait = next;
        Duration doubled = next.multipliedBy(2);
        next = doubled.compareTo(ceiling) > 0 ? ceiling : doubled;
        return wait;
    }

    /** Starts again from the first wait (after a success). */
    public void reset() {
        next = first;
    }

    /** Sleeps for {@link #next()}. */
    public void pause() throws InterruptedException {
        Thread.sleep(next().toMillis());
    }
}
