package dev.archipelago.dispatcher.messaging;

import dev.archipelago.dispatcher.service.BuildService;
import dev.archipelago.dispatcher.service.InvalidRequestException;
import dev.archipelago.model.events.BuildRequest;
import dev.archipelago.model.json.EventDecodingException;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.model.messaging.Channels;
import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.util.concurrent.CompletionStage;

/**
 * Takes {@code BuildRequest} records from Kafka producers that never call HTTP, exactly as
 * {@code POST /api/builds} does. The record's topic, partition and offset are its submission
 * key, so a redelivered record returns the build it made the first time. A record that fails
 * validation goes to the dead-letter queue with the same message the API would answer.
 */
@ApplicationScoped
public class SubmissionsConsumer {

    private final BuildService builds;

    public SubmissionsConsumer(BuildService builds) {
        this.builds = builds;
    }

    @Incoming(Channels.SUBMISSIONS_IN)
    @Blocking
    public CompletionStage<Void> consume(Message<byte[]> message) {
        String key = "kafka:" + IncomingRecords.where(message);
        BuildRequest request;
        try {
            request = EventJson.decode(message.getPayload(), BuildRequest.class);
        } catch (EventDecodingException e) {
            Log.warnf("%s: unreadable submission sent to the dead-letter queue: %s", key, e.getMessage());
            return message.nack(e);
        }
        try {
            var build = builds.accept(request, key);
            Log.infof("build %s: accepted from %s", build.id(), key);
            return message.ack();
        } catch (InvalidRequestException e) {
            Log.warnf("%s: submission refused (%d) and sent to the dead-letter queue: %s", key, e.status(), e.getMessage());
            return message.nack(e);
        }
    }
}
