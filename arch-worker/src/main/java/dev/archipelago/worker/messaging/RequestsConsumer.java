package dev.archipelago.worker.messaging;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import dev.archipelago.failure.ConsumerPolicy;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.BuildCancel;
import dev.archipelago.model.json.EventDecodingException;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.model.messaging.Channels;
import dev.archipelago.model.messaging.Topics;
import dev.archipelago.worker.identity.PlatformIdentity;
import dev.archipelago.worker.job.BuildScheduler;
import io.quarkus.logging.Log;

/**
 * Takes this worker's platform's requests and cancels. Returns at once (the build runs on the
 * scheduler's threads), so that later records, a cancel among them, keep arriving while builds
 * run. A request's record is acknowledged when the build's result is published, and the throttled
 * commit strategy commits its offset only then, so a crashed worker's unfinished builds are
 * redelivered to another replica of the group. Unreadable records go to the dead-letter queue under
 * the one failure policy.
 */
@ApplicationScoped
public class RequestsConsumer {

    private final BuildScheduler scheduler;
    private final PlatformIdentity identity;
    private final ConsumerPolicy policy;

    public RequestsConsumer(BuildScheduler scheduler, PlatformIdentity identity, ConsumerPolicy policy) {
        this.scheduler = scheduler;
        this.identity = identity;
        this.policy = policy;
    }

    @Incoming(Channels.REQUESTS_IN)
    public CompletionStage<Void> consume(Message<byte[]> message) {
        String type = ConsumerPolicy.recordType(message);
        try {
            if (Topics.TYPE_BUILD_CANCEL.equals(type)) {
                scheduler.cancel(EventJson.decode(message.getPayload(), BuildCancel.class));
                return message.ack();
            }
            ArchBuildRequest request = EventJson.decode(message.getPayload(), ArchBuildRequest.class);
            if (!request.platform().equals(identity.platform())) {
                return policy.deadLetter(Channels.REQUESTS_IN, message, new EventDecodingException("a request for "
                        + request.platform() + " reached the worker of " + identity.platform() + " (wrong topic)"));
            }
            // return at once so the next record (another build, or a cancel) is delivered while this one runs;
            // the record is acknowledged when its result is published, and throttled commits wait for that
            scheduler.submit(request).whenComplete((done, failure) -> {
                if (failure == null) {
                    message.ack();
                } else {
                    // only a worker that stops leaves a result unpublished: the record stays unacknowledged
                    // and is delivered again, to this worker after its restart or to another replica
                    Log.infof("build %s: %s left for redelivery: %s", request.buildId(), request.platform(),
                            failure.getMessage());
                }
            });
            return CompletableFuture.completedFuture(null);
        } catch (EventDecodingException e) {
            return policy.deadLetter(Channels.REQUESTS_IN, message, e);
        }
    }
}
