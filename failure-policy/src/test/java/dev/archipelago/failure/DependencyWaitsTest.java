package dev.archipelago.failure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class DependencyWaitsTest {

    private final DependencyWaits waits = new DependencyWaits();

    @Test
    void waitsOutTransientFailuresAndIsNotWaitingAfterwards() {
        AtomicInteger tries = new AtomicInteger();
        String result = waits.untilDone("results-in", () -> {
            if (tries.incrementAndGet() < 4) {
                assertThat(tries.get() == 1 || waits.current().containsKey("results-in")).as("waiting shows while it lasts")
                        .isTrue();
                throw new IllegalStateException(new SQLException("Connection to 127.0.0.1:5432 refused", "08001"));
            }
            return "applied";
        });
        assertThat(result).isEqualTo("applied");
        assertThat(tries).hasValue(4);
        assertThat(waits.current()).isEmpty();
    }

    @Test
    void throwsWhatIsNotTransientAtOnce() {
        AtomicInteger tries = new AtomicInteger();
        assertThatThrownBy(() -> waits.untilDone("submissions-in", () -> {
            tries.incrementAndGet();
            throw new IllegalArgumentException("invalid");
        })).isInstanceOf(IllegalArgumentException.class);
        assertThat(tries).hasValue(1);
        assertThat(waits.current()).isEmpty();
    }

    @Test
    void aPeriodicTaskWaitsFromItsFirstTransientFailureToItsNextSuccess() {
        waits.failed("outbox relay",
                new DependencyUnavailable("no ack", new RuntimeException("https://user:secret@broker down")));
        assertThat(waits.current()).containsKey("outbox relay");
        assertThat(waits.current().get("outbox relay").lastFailure()).contains("***@broker").doesNotContain("secret");
        waits.failed("sweep", new NullPointerException());
        assertThat(waits.current()).as("a bug is logged, not a dependency wait").doesNotContainKey("sweep");
        waits.succeeded("outbox relay");
        assertThat(waits.current()).isEmpty();
    }

    @Test
    void anInterruptedWaitLeavesNothingBehind() {
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> waits.untilDone("heartbeats-in", () -> {
            throw new IllegalStateException(new SQLException("down", "08006"));
        })).isInstanceOf(DependencyWaits.Interrupted.class);
        assertThat(Thread.interrupted()).isTrue();
        assertThat(waits.current()).isEmpty();
    }
}
