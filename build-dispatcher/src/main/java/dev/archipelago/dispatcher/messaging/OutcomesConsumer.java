package dev.archipelago.dispatcher.messaging;

import java.util.UUID;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import dev.archipelago.dispatcher.service.BuildProgress;
import dev.archipelago.dispatcher.service.BuildUpdates;
import dev.archipelago.failure.ConsumerPolicy;
import dev.archipelago.model.events.BuildOutcome;
import dev.archipelago.model.messaging.Channels;
import io.smallrye.common.annotation.Blocking;

/** Applies the assembler's outcomes to the read model. */
@ApplicationScoped
public class OutcomesConsumer {

    private final BuildProgress progress;
    private final BuildUpdates updates;
    private final ConsumerPolicy policy;

    public OutcomesConsumer(BuildProgress progress, BuildUpdates updates, ConsumerPolicy policy) {
        this.progress = progress;
        this.updates = updates;
        this.policy = policy;
    }

    @Incoming(Channels.OUTCOMES_IN)
    @Blocking
    public CompletionStage<Void> consume(Message<byte[]> message) {
        return policy.apply(Channels.OUTCOMES_IN, message, BuildOutcome.class, outcome -> {
            if (progress.apply(outcome)) {
                updates.changed(UUID.fromString(outcome.buildId()));
            }
        });
    }
}
