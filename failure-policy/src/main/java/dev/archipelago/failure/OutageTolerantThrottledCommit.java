package dev.archipelago.failure;

import java.time.Duration;
import java.util.Collection;
import java.util.function.BiConsumer;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.common.TopicPartition;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.IncomingKafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaConnectorIncomingConfiguration;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.smallrye.reactive.messaging.kafka.commit.ContextHolder;
import io.smallrye.reactive.messaging.kafka.commit.KafkaCommitHandler;
import io.smallrye.reactive.messaging.kafka.commit.KafkaThrottledLatestProcessedCommit;
import io.vertx.mutiny.core.Context;
import io.vertx.mutiny.core.Vertx;

/**
 * SmallRye's {@code throttled} commit strategy, except that it waits out a broker that is away
 * when a partition's first record arrives. The throttled strategy reads the partition's committed
 * offset at that moment; when the broker goes away just then, the read fails after
 * {@code default.api.timeout.ms} and the channel stops for good (liveness DOWN, nothing consumed
 * until a restart). Here the read is tried again, with the failure policy's backoff, for as long
 * as the failure is transient ({@link Transience}), and readiness names the wait meanwhile. Every
 * channel uses it ({@code commit-strategy=} {@value #STRATEGY}, declared once with the rest of the
 * policy).
 */
@ApplicationScoped
@Identifier(OutageTolerantThrottledCommit.STRATEGY)
public class OutageTolerantThrottledCommit implements KafkaCommitHandler.Factory {

    public static final String STRATEGY = "throttled-outage-tolerant";
    static final Duration FIRST_WAIT = Duration.ofMillis(200);
    static final Duration LONGEST_WAIT = Duration.ofSeconds(2);

    private final KafkaThrottledLatestProcessedCommit.Factory throttled = new KafkaThrottledLatestProcessedCommit.Factory();
    private final DependencyWaits waits;

    public OutageTolerantThrottledCommit(DependencyWaits waits) {
        this.waits = waits;
    }

    @Override
    public KafkaCommitHandler create(KafkaConnectorIncomingConfiguration config, Vertx vertx, KafkaConsumer<?, ?> consumer,
            BiConsumer<Throwable, Boolean> reportFailure) {
        return new Handler(vertx, throttled.create(config, vertx, consumer, reportFailure), config.getChannel(), waits);
    }

    /**
     * The throttled handler, with the first record of a partition waiting out transient failures.
     * A {@link ContextHolder} as the throttled handler is, so that the connector hands it the
     * channel's event-loop context, which it passes on.
     */
    static final class Handler extends ContextHolder implements KafkaCommitHandler {

        private final KafkaCommitHandler throttled;
        private final String channel;
        private final DependencyWaits waits;

        Handler(Vertx vertx, KafkaCommitHandler throttled, String channel, DependencyWaits waits) {
            super(vertx, 0);
            this.throttled = throttled;
            this.channel = channel;
            this.waits = waits;
        }

        @Override
        public void capture(Context context) {
            super.capture(context);
            if (throttled instanceof ContextHolder holder) {
                holder.capture(context);
            }
        }

        @Override
        public void capture(io.vertx.core.Context context) {
            capture(Context.newInstance(context));
        }

        @Override
        public <K, V> Uni<IncomingKafkaRecord<K, V>> received(IncomingKafkaRecord<K, V> record) {
            String what = channel + " " + record.getTopic() + "-" + record.getPartition() + ": the committed offset";
            return Uni.createFrom().deferred(() -> throttled.received(record))
                    .onFailure(Transience::isTransient).invoke(failure -> waits.failed(what, failure))
                    .onFailure(Transience::isTransient).retry().withBackOff(FIRST_WAIT, LONGEST_WAIT).indefinitely()
                    .onItem().invoke(() -> waits.succeeded(what));
        }

        @Override
        public <K, V> Multi<IncomingKafkaRecord<K, V>> decorateStream(Multi<IncomingKafkaRecord<K, V>> consumed) {
            return throttled.decorateStream(consumed);
        }

        @Override
        public <K, V> Uni<Void> handle(IncomingKafkaRecord<K, V> record) {
            return throttled.handle(record);
        }

        @Override
        public void partitionsAssigned(Collection<TopicPartition> partitions) {
            throttled.partitionsAssigned(partitions);
        }

        @Override
        public void partitionsRevoked(Collection<TopicPartition> partitions) {
            throttled.partitionsRevoked(partitions);
        }

        @Override
        public void terminate(boolean graceful) {
            throttled.terminate(graceful);
        }
    }
}
