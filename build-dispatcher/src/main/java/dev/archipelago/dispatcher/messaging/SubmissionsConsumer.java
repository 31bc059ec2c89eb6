package dev.archipelago.dispatcher.messaging;

import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import dev.archipelago.dispatcher.service.BuildService;
import dev.archipelago.failure.ConsumerPolicy;
import dev.archipelago.model.events.BuildRequest;
import dev.archipelago.model.messaging.Channels;
import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Blocking;

/**
 * Takes {@code BuildRequest} records from Kafka producers that never call HTTP. The record's
 * topic, partition and offset are its submission key, so a redelivered record returns the build
 * it made the first time. Under the one failure policy: a record that fails validation goes to
 * the dead-letter queue with the message the API would answer; a git host or database that does
 * not answer is waited for; a platform with no live worker stores the build FAILED, visibly.
 */
@ApplicationScoped
public class SubmissionsConsumer {

    private final BuildService builds;
    private final ConsumerPolicy policy;

    public SubmissionsConsumer(BuildService builds, ConsumerPolicy policy) {
        this.builds = builds;
        this.policy = policy;
    }

    @Incoming(Channels.SUBMISSIONS_IN)
    @Blocking
    public CompletionStage<Void> consume(Message<byte[]> message) {
        String key = "kafka:" + ConsumerPolicy.where(message);
        return policy.apply(Channels.SUBMISSIONS_IN, message, BuildRequest.class, request -> {
            var build = builds.acceptSubmission(request, key);
            Log.infof("build %s: %s from %s", build.id(), build.state(), key);
        });
    }
}
