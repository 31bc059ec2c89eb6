package dev.archipelago.dispatcher.messaging;

import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import dev.archipelago.dispatcher.service.WorkerRegistry;
import dev.archipelago.failure.ConsumerPolicy;
import dev.archipelago.model.events.WorkerHeartbeat;
import dev.archipelago.model.messaging.Channels;
import io.smallrye.common.annotation.Blocking;

/** Keeps the worker list from the workers' heartbeats. */
@ApplicationScoped
public class HeartbeatsConsumer {

    private final WorkerRegistry workers;
    private final ConsumerPolicy policy;

    public HeartbeatsConsumer(WorkerRegistry workers, ConsumerPolicy policy) {
        this.workers = workers;
        this.policy = policy;
    }

    @Incoming(Channels.HEARTBEATS_IN)
    @Blocking
    public CompletionStage<Void> consume(Message<byte[]> message) {
        return policy.apply(Channels.HEARTBEATS_IN, message, WorkerHeartbeat.class, workers::record);
    }
}
