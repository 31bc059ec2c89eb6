package dev.archipelago.assembler.messaging;

import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import dev.archipelago.assembler.repository.Assembly;
import dev.archipelago.assembler.repository.AssemblyRepository;
import dev.archipelago.failure.DependencyUnavailable;
import dev.archipelago.failure.DependencyWaits;
import dev.archipelago.model.messaging.Channels;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * Publishes a build's stored outcome and marks it published once the broker acknowledged it.
 * The outcome is written in the same transaction as the state it reports, so a crash between
 * the two leaves it unpublished, and the sweeper publishes it again; the dispatcher applies
 * outcomes idempotently.
 */
@ApplicationScoped
public class OutcomePublisher {

    static final Duration ACK_TIMEOUT = Duration.ofSeconds(15);

    private final AssemblyRepository assemblies;
    private final MutinyEmitter<String> emitter;

    private final DependencyWaits waits;

    public OutcomePublisher(AssemblyRepository assemblies, @Channel(Channels.OUTCOMES_OUT) MutinyEmitter<String> emitter,
            DependencyWaits waits) {
        this.assemblies = assemblies;
        this.emitter = emitter;
        this.waits = waits;
    }

    /** Publishes the build's outcome if it has one not yet published; returns whether it did. */
    public boolean publish(String buildId) {
        String outcome = QuarkusTransaction.requiringNew().call(() -> {
            Assembly a = assemblies.findById(buildId);
            return a == null || a.outcomeJson == null || a.outcomePublishedAt != null ? null : a.outcomeJson;
        });
        if (outcome == null) {
            return false;
        }
        try {
            emitter.sendMessage(
                    Message.of(outcome).addMetadata(OutgoingKafkaRecordMetadata.<String> builder().withKey(buildId).build()))
                    .await().atMost(ACK_TIMEOUT);
        } catch (RuntimeException e) {
            waits.failed("outcome publishing", new DependencyUnavailable("the broker did not acknowledge the outcome of build "
                    + buildId + ": " + e.getMessage(), e));
            return false;
        }
        waits.succeeded("outcome publishing");
        QuarkusTransaction.requiringNew().run(() -> assemblies.update(
                "outcomePublishedAt = ?1 where buildId = ?2 and outcomeJson = ?3", Instant.now(), buildId, outcome));
        return true;
    }
}
