package dev.archipelago.failure;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.archipelago.model.Redaction;

/**
 * What in this service waits for a dependency that is away, and the loop that waits. An action
 * run by {@link #untilDone} is tried again after every transient failure ({@link Transience}),
 * with the {@link Backoff#standard() standard backoff}, for as long as the failure lasts; a
 * periodic task that tries again on its own reports its tries with {@link #failed} and
 * {@link #succeeded}. While anything waits, the service's readiness is DOWN and names it
 * ({@link DependencyReadiness}); liveness is not touched, so an orchestrator never restarts a
 * service for a dependency that is away. A wait is logged when it begins, at most once a minute
 * while it lasts, and when it ends.
 */
@ApplicationScoped
public class DependencyWaits {

    private static final Logger LOG = Logger.getLogger(DependencyWaits.class);
    private static final Duration LOG_EVERY = Duration.ofMinutes(1);

    /**
     * Something that failed and will be tried again: since when, the last failure (credentials
     * masked), when it was last logged, and whether it waits for a dependency (a transient failure).
     */
    public record Wait(Instant since, String lastFailure, Instant loggedAt, boolean dependency) {
    }

    private final Map<String, Wait> waits = new ConcurrentHashMap<>();

    /**
     * Runs {@code action} until it returns, waiting out transient failures; a failure that is not
     * transient is thrown at once.
     *
     * @param what names the waiter in logs and in readiness, for example {@code results-in archipelago.builds.results-0@17}
     * @throws Interrupted when the thread is interrupted while waiting (the service is stopping)
     */
    public <T> T untilDone(String what, Supplier<T> action) {
        Backoff backoff = Backoff.standard();
        while (true) {
            try {
                T result = action.get();
                succeeded(what);
                return result;
            } catch (RuntimeException e) {
                if (!Transience.isTransient(e)) {
                    waits.remove(what);
                    throw e;
                }
                failed(what, e);
                try {
                    backoff.pause();
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    waits.remove(what);
                    throw new Interrupted(what);
                }
            }
        }
    }

    /** Like {@link #untilDone(String, Supplier)} for an action without a result. */
    public void untilDone(String what, Runnable action) {
        untilDone(what, () -> {
            action.run();
            return null;
        });
    }

    /**
     * A try of {@code what} failed. A transient failure is a wait (readiness DOWN until
     * {@link #succeeded}); any other is only logged, at most once a minute per {@code what}.
     */
    public void failed(String what, Throwable failure) {
        Instant now = Instant.now();
        String description = describe(failure);
        boolean transientFailure = Transience.isTransient(failure);
        Wait before = waits.get(what);
        boolean log = before == null || Duration.between(before.loggedAt(), now).compareTo(LOG_EVERY) >= 0;
        Instant since = before == null ? now : before.since();
        if (log) {
            if (transientFailure) {
                LOG.warnf("%s: a dependency is unavailable (%s); waiting%s and trying again", what, description,
                        before == null ? "" : " (for " + Duration.between(since, now).toSeconds() + " s so far)");
            } else {
                LOG.warnf("%s failed and will be tried again: %s", what, description);
            }
        }
        waits.put(what, new Wait(since, description, log ? now : before.loggedAt(), transientFailure));
    }

    /** A try of {@code what} went through: its wait, if any, is over. */
    public void succeeded(String what) {
        Wait ended = waits.remove(what);
        if (ended != null) {
            LOG.infof("%s: went through after %d s", what, Duration.between(ended.since(), Instant.now()).toSeconds());
        }
    }

    /** What waits now for a dependency, by name (sorted): empty when every dependency answers. */
    public Map<String, Wait> current() {
        Map<String, Wait> current = new TreeMap<>();
        waits.forEach((what, wait) -> {
            if (wait.dependency()) {
                current.put(what, wait);
            }
        });
        return current;
    }

    /** The innermost message of a failure, one line, credentials in URLs masked. */
    public static String describe(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        String line = message.lines().findFirst().orElse("").strip();
        return Redaction.maskUrlCredentials(line.length() > 300 ? line.substring(0, 300) + "..." : line);
    }

    /** The thread was interrupted while it waited: the service is stopping; nothing was done. */
    public static final class Interrupted extends RuntimeException {
        Interrupted(String what) {
            super(what + ": interrupted while waiting for a dependency");
        }
    }
}
