package dev.archipelago.dispatcher.messaging;

import dev.archipelago.dispatcher.service.BuildProgress;
import dev.archipelago.dispatcher.service.BuildUpdates;
import dev.archipelago.model.events.BuildOutcome;
import dev.archipelago.model.messaging.Channels;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.util.UUID;
import java.util.concurrent.CompletionStage;

/** Applies the assembler's outcomes to the read model. */
@ApplicationScoped
public class OutcomesConsumer {

    private final BuildProgress progress;
    private final BuildUpdates updates;

    public OutcomesConsumer(BuildProgress progress, BuildUpdates updates) {
        this.progress = progress;
        this.updates = updates;
    }

    @Incoming(Channels.OUTCOMES_IN)
    @Blocking
    public CompletionStage<Void> consume(Message<byte[]> message) {
        return IncomingRecords.handle(message, BuildOutcome.class, outcome -> {
            if (progress.apply(outcome)) {
                updates.changed(UUID.fromString(outcome.buildId()));
            }
        });
    }
}
