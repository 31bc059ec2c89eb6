package dev.archipelago.worker.messaging;

import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.BuildCancel;
import dev.archipelago.model.json.EventDecodingException;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.model.messaging.Channels;
import dev.archipelago.model.messaging.Topics;
import dev.archipelago.worker.service.BuildScheduler;
import dev.archipelago.worker.service.PlatformIdentity;
import io.quarkus.logging.Log;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Takes this worker's platform's requests and cancels. Returns at once (the build runs on the
 * scheduler's threads), so that later records, a cancel among them, keep arriving while builds
 * run. A request's record is acknowledged when the build's result is published, and the throttled
 * commit strategy commits its offset only then, so a crashed worker's unfinished builds are
 * redelivered to another replica of the group.
 */
@ApplicationScoped
public class RequestsConsumer {

    private final BuildScheduler scheduler;
    private final PlatformIdentity identity;

    public RequestsConsumer(BuildScheduler scheduler, PlatformIdentity identity) {
        this.scheduler = scheduler;
        this.identity = identity;
    }

    @Incoming(Channels.REQUESTS_IN)
    public CompletionStage<Void> consume(Message<byte[]> message) {
        String type = message.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(m -> m.getHeaders().lastHeader(Topics.RECORD_TYPE_HEADER)).map(Header::value)
                .map(v -> new String(v, StandardCharsets.UTF_8)).orElse(Topics.TYPE_ARCH_BUILD_REQUEST);
        try {
            if (type.equals(Topics.TYPE_BUILD_CANCEL)) {
                scheduler.cancel(EventJson.decode(message.getPayload(), BuildCancel.class));
                return message.ack();
            }
            ArchBuildRequest request = EventJson.decode(message.getPayload(), ArchBuildRequest.class);
            if (!request.platform().equals(identity.platform())) {
                return message.nack(new IllegalArgumentException("a request for " + request.platform()
                        + " reached the worker of " + identity.platform() + " (wrong topic)"));
            }
            // return at once so the next record (another build, or a cancel) is delivered while this one runs;
            // the record is acknowledged when its result is published, and throttled commits wait for that
            scheduler.submit(request).whenComplete((done, failure) -> {
                if (failure == null) {
                    message.ack();
                } else {
                    message.nack(failure);
                }
            });
            return CompletableFuture.completedFuture(null);
        } catch (EventDecodingException e) {
            Log.warnf("unreadable request sent to the dead-letter queue: %s", e.getMessage());
            return message.nack(e);
        }
    }
}
