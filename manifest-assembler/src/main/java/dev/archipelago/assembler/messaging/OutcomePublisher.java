package dev.archipelago.assembler.messaging;

import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

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

    /**
     * Publishes the build's outcome if it has one not yet published and no other publisher (a thread
     * or replica handling another result of the build, or a sweeper) has claimed it; returns whether it did.
     */
    public boolean publish(String buildId) {
        String outcome = QuarkusTransaction.requiringNew().call(() -> {
            if (!assemblies.claimOutcome(buildId, ACK_TIMEOUT)) {
                return null;
            }
            return assemblies.findById(buildId).outcomeJson;
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
            QuarkusTransaction.requiringNew()
                    .run(() -> assemblies.update("outcomeClaimedUntil = null where buildId = ?1", buildId));
            return false;
        }
        waits.succeeded("outcome publishing");
        QuarkusTransaction.requiringNew().run(() -> assemblies.update(
                "outcomePublishedAt = ?1, outcomeClaimedUntil = null where buildId = ?2 and outcomeJson = ?3", Instant.now(),
                buildId, outcome));
        return true;
    }
}
