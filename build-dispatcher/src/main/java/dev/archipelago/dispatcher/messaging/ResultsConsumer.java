package dev.archipelago.dispatcher.messaging;

import dev.archipelago.dispatcher.service.BuildProgress;
import dev.archipelago.dispatcher.service.BuildUpdates;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.messaging.Channels;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.util.UUID;
import java.util.concurrent.CompletionStage;

/** Applies the workers' results to the read model. */
@ApplicationScoped
public class ResultsConsumer {

    private final BuildProgress progress;
    private final BuildUpdates updates;

    public ResultsConsumer(BuildProgress progress, BuildUpdates updates) {
        this.progress = progress;
        this.updates = updates;
    }

    @Incoming(Channels.RESULTS_IN)
    @Blocking
    public CompletionStage<Void> consume(Message<byte[]> message) {
        return IncomingRecords.handle(message, ArchBuildEvent.class, event -> {
            if (progress.apply(event)) {
                updates.changed(UUID.fromString(event.buildId()));
            }
        });
    }
}
