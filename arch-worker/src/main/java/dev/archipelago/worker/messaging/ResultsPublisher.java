package dev.archipelago.worker.messaging;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import dev.archipelago.failure.DependencyUnavailable;
import dev.archipelago.failure.DependencyWaits;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.model.messaging.Channels;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * Publishes build results keyed by build id and waits for the broker's acknowledgement. A
 * result is never dropped: while the broker is away it is tried again under the one failure
 * policy (readiness DOWN meanwhile), and the request it answers stays unacknowledged, so a crash
 * meanwhile redelivers the request (which re-emits the recorded result).
 */
@ApplicationScoped
public class ResultsPublisher {

    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(30);

    private final MutinyEmitter<String> emitter;
    private final DependencyWaits waits;

    public ResultsPublisher(@Channel(Channels.RESULTS_OUT) MutinyEmitter<String> emitter, DependencyWaits waits) {
        this.emitter = emitter;
        this.waits = waits;
    }

    /**
     * Returns once the broker acknowledged the result.
     *
     * @throws DependencyWaits.Interrupted when the worker stops before that
     */
    public void publish(ArchBuildEvent event) {
        Message<String> message = Message.of(EventJson.encodeToString(event))
                .addMetadata(OutgoingKafkaRecordMetadata.<String> builder().withKey(event.buildId()).build());
        waits.untilDone("build " + event.buildId() + ": " + event.type() + " result of " + event.platform(), () -> {
            try {
                emitter.sendMessage(message).await().atMost(ACK_TIMEOUT);
            } catch (RuntimeException e) {
                throw new DependencyUnavailable("the broker did not acknowledge the result: " + e.getMessage(), e);
            }
        });
    }
}
