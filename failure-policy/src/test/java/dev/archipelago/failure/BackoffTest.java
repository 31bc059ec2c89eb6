package dev.archipelago.failure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void doublesUpToTheCeilingAndStartsAgainAfterAReset() {
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(5));
        List<Duration> waits = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            waits.add(backoff.next());
        }
        assertThat(waits).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
                Duration.ofSeconds(5),
                Duration.ofSeconds(5));
        backoff.reset();
        assertThat(backoff.next()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void theStandardOneReachesItsCeilingOfTwoSeconds() {
        Backoff backoff = Backoff.standard();
        assertThat(backoff.next()).isEqualTo(Duration.ofMillis(200));
        Duration last = Duration.ZERO;
        for (int i = 0; i < 20; i++) {
            last = backoff.next();
        }
        assertThat(last).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void refusesAFirstWaitAboveItsCeiling() {
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(5), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
