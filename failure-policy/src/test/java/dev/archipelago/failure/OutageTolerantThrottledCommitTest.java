package dev.archipelago.failure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.IncomingKafkaRecord;
import io.smallrye.reactive.messaging.kafka.commit.KafkaCommitHandler;

/**
 * The read of a partition's committed offset that SmallRye's throttled strategy makes when the
 * partition's first record arrives: the failure the broker gives when it goes away at that moment
 * (seen in {@code LongOutageTest}: the assembler's channel stopped for good) is waited out; a
 * failure that is not transient still ends the channel.
 */
class OutageTolerantThrottledCommitTest {

    private final DependencyWaits waits = new DependencyWaits();

    @Test
    void thePartitionsFirstRecordWaitsOutABrokerThatIsAway() {
        AtomicInteger tries = new AtomicInteger();
        List<Boolean> waitingShown = new ArrayList<>();
        KafkaCommitHandler throttled = committedOffsetRead(() -> {
            waitingShown.add(!waits.current().isEmpty());
            if (tries.incrementAndGet() <= 3) {
                throw new TimeoutException("Timeout of 60000ms expired before the last committed offset for partitions "
                        + "[archipelago.builds.results-2] could be determined.");
            }
        });
        KafkaCommitHandler handler = new OutageTolerantThrottledCommit.Handler(null, throttled, "results-in", waits);
        IncomingKafkaRecord<String, String> record = record(handler);

        IncomingKafkaRecord<String, String> received = handler.received(record).await().atMost(Duration.ofSeconds(10));

        assertThat(received).isSameAs(record);
        assertThat(tries).hasValue(4);
        assertThat(waitingShown).as("readiness names the wait from the first failure on").containsExactly(false, true, true,
                true);
        assertThat(waits.current()).as("nothing waits once the offset was read").isEmpty();
    }

    @Test
    void aFailureThatIsNotTransientEndsTheChannelAsBefore() {
        AtomicInteger tries = new AtomicInteger();
        KafkaCommitHandler throttled = committedOffsetRead(() -> {
            tries.incrementAndGet();
            throw new IllegalStateException("a bug");
        });
        KafkaCommitHandler handler = new OutageTolerantThrottledCommit.Handler(null, throttled, "results-in", waits);

        assertThatThrownBy(() -> handler.received(record(handler)).await().atMost(Duration.ofSeconds(10)))
                .isInstanceOf(IllegalStateException.class).hasMessage("a bug");
        assertThat(tries).hasValue(1);
        assertThat(waits.current()).isEmpty();
    }

    /**
     * A throttled handler whose {@code received} runs {@code read} each time it is subscribed to, as the committed-offset read
     * does.
     */
    private static KafkaCommitHandler committedOffsetRead(Runnable read) {
        return new KafkaCommitHandler() {
            @Override
            public <K, V> Uni<IncomingKafkaRecord<K, V>> received(IncomingKafkaRecord<K, V> record) {
                return Uni.createFrom().item(() -> {
                    read.run();
                    return record;
                });
            }

            @Override
            public <K, V> Uni<Void> handle(IncomingKafkaRecord<K, V> record) {
                return Uni.createFrom().voidItem();
            }
        };
    }

    private static IncomingKafkaRecord<String, String> record(KafkaCommitHandler handler) {
        return new IncomingKafkaRecord<>(new ConsumerRecord<>("archipelago.builds.results", 2, 17, "build", "{}"),
                "results-in", 0, handler, null, false, false);
    }
}
