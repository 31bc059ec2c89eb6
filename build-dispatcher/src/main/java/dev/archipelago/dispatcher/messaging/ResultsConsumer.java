package dev.archipelago.dispatcher.messaging;

import java.util.UUID;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import dev.archipelago.dispatcher.service.BuildProgress;
import dev.archipelago.dispatcher.service.BuildUpdates;
import dev.archipelago.failure.ConsumerPolicy;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.messaging.Channels;
import dev.archipelago.model.messaging.Topics;
import io.smallrye.common.annotation.Blocking;

/** Applies the workers' results to the read model (and passes over the cancels that travel with them, for the assembler). */
@ApplicationScoped
public class ResultsConsumer {

    private final BuildProgress progress;
    private final BuildUpdates updates;
    private final ConsumerPolicy policy;

    public ResultsConsumer(BuildProgress progress, BuildUpdates updates, ConsumerPolicy policy) {
        this.progress = progress;
        this.updates = updates;
        this.policy = policy;
    }

    @Incoming(Channels.RESULTS_IN)
    @Blocking
    public CompletionStage<Void> consume(Message<byte[]> message) {
        if (Topics.TYPE_BUILD_CANCEL.equals(ConsumerPolicy.recordType(message))) {
            // the dispatcher's own cancel, for the assembler: this build is already CANCELLED here
            return message.ack();
        }
        return policy.apply(Channels.RESULTS_IN, message, ArchBuildEvent.class, event -> {
            if (progress.apply(event)) {
                updates.changed(UUID.fromString(event.buildId()));
            }
        });
    }
}
