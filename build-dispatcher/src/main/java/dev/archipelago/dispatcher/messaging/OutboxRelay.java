package dev.archipelago.dispatcher.messaging;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import dev.archipelago.dispatcher.config.DispatcherConfig;
import dev.archipelago.dispatcher.repository.OutboxRecord;
import dev.archipelago.dispatcher.repository.OutboxRepository;
import dev.archipelago.dispatcher.service.OutboxWritten;
import dev.archipelago.failure.DependencyUnavailable;
import dev.archipelago.failure.DependencyWaits;
import dev.archipelago.model.messaging.Channels;
import dev.archipelago.model.messaging.Topics;
import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * Publishes the outbox: right after each commit that wrote to it, and on a timer for whatever an
 * earlier pass could not publish (broker down, dispatcher killed after its commit). A record is
 * marked sent only after the broker acknowledged it ({@code acks=all}), so a crash at any point
 * publishes it again rather than never; consumers are idempotent by build, platform and attempt.
 * Rows are claimed with a lease ({@code SKIP LOCKED}), so several dispatcher replicas can relay
 * side by side and a relay that died mid-pass is taken over when its lease ends.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final String RELAY = "outbox relay";

    private final OutboxRepository outbox;
    private final MutinyEmitter<String> emitter;
    private final DispatcherConfig config;
    private final DependencyWaits waits;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "outbox-relay"));
    private final AtomicBoolean pending = new AtomicBoolean();

    public OutboxRelay(OutboxRepository outbox, @Channel(Channels.OUTBOX_OUT) MutinyEmitter<String> emitter,
            DispatcherConfig config, DependencyWaits waits) {
        this.outbox = outbox;
        this.emitter = emitter;
        this.config = config;
        this.waits = waits;
    }

    void onStart(@Observes StartupEvent event) {
        nudge();
    }

    void onShutdown(@Observes ShutdownEvent event) throws InterruptedException {
        executor.shutdown();
        executor.awaitTermination(5, TimeUnit.SECONDS);
    }

    void afterCommit(@Observes(during = TransactionPhase.AFTER_SUCCESS) OutboxWritten written) {
        nudge();
    }

    @Scheduled(every = "${archipelago.dispatcher.outbox.poll-interval:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void poll() {
        nudge();
    }

    /** Asks for a relay pass; passes run one at a time and coalesce. */
    public void nudge() {
        if (!executor.isShutdown() && pending.compareAndSet(false, true)) {
            executor.submit(this::drain);
        }
    }

    private void drain() {
        pending.set(false);
        try {
            int published;
            do {
                published = relayBatch();
            } while (published == config.outbox().batchSize());
            waits.succeeded(RELAY);
        } catch (RuntimeException e) {
            // the next pass (at most a poll interval away) tries again; readiness says why meanwhile
            waits.failed(RELAY, e);
        }
    }

    /**
     * Publishes one batch of unsent records; returns how many were published. The rows are claimed
     * in one short transaction and marked in another: no transaction is open while the broker is
     * awaited, so a slow broker holds no locks and no connection.
     */
    int relayBatch() {
        // the send is bounded by the send timeout; the margin covers the two short transactions. A
        // relay that dies holding a claim delays its records by this much (FaultInjectionTest).
        Duration lease = config.outbox().sendTimeout().plusSeconds(5);
        List<OutboxRecord> batch = QuarkusTransaction.requiringNew()
                .call(() -> outbox.claimUnsent(config.outbox().batchSize(), lease));
        if (batch.isEmpty()) {
            return 0;
        }
        List<Throwable> results = Uni.join().all(batch.stream().map(this::send).toList()).andFailFast().await().indefinitely();
        List<Long> sent = new ArrayList<>();
        Throwable firstFailure = results.stream().filter(Objects::nonNull).findFirst().orElse(null);
        QuarkusTransaction.requiringNew().run(() -> {
            for (int i = 0; i < batch.size(); i++) {
                OutboxRecord record = batch.get(i);
                Throwable failure = results.get(i);
                if (failure == null) {
                    sent.add(record.id);
                } else {
                    outbox.release(record.id, String.valueOf(failure.getMessage()));
                    Log.debugf("build %s: outbox record %d to %s not acknowledged (attempt %d): %s", record.recordKey,
                            record.id, record.topic, record.attempts + 1, failure.getMessage());
                }
            }
            outbox.markSent(sent, Instant.now());
        });
        if (firstFailure != null) {
            throw new DependencyUnavailable((batch.size() - sent.size()) + " of " + batch.size()
                    + " outbox records were not acknowledged by the broker: " + firstFailure.getMessage(), firstFailure);
        }
        return sent.size();
    }

    /**
     * Sends one record; the Uni yields null when the broker acknowledged it, else the failure. A
     * record without a topic fails: the channel has no default topic to send it to.
     */
    private Uni<Throwable> send(OutboxRecord record) {
        if (record.topic == null || record.topic.isBlank()) {
            return Uni.createFrom().item(new IllegalStateException("outbox record " + record.id + " names no topic"));
        }
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.RECORD_TYPE_HEADER, record.recordType.getBytes(StandardCharsets.UTF_8));
        Message<String> message = Message.of(record.payload).addMetadata(OutgoingKafkaRecordMetadata.<String> builder()
                .withTopic(record.topic).withKey(record.recordKey).withHeaders(headers).build());
        return emitter.sendMessage(message)
                .ifNoItem().after(config.outbox().sendTimeout()).fail()
                .onItem().transform(ignored -> (Throwable) null)
                .onFailure().recoverWithItem(failure -> failure);
    }
}
