package dev.archipelago.worker.messaging;

import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.model.messaging.Channels;
import io.quarkus.logging.Log;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.time.Duration;

/**
 * Publishes build results keyed by build id and waits for the broker's acknowledgement. A
 * result is never dropped: while the broker is away it is retried, and the request it answers
 * stays unacknowledged, so a crash meanwhile redelivers the request (which re-emits the
 * recorded result).
 */
@ApplicationScoped
public class ResultsPublisher {

    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    private final MutinyEmitter<String> emitter;

    public ResultsPublisher(@Channel(Channels.RESULTS_OUT) MutinyEmitter<String> emitter) {
        this.emitter = emitter;
    }

    public void publish(ArchBuildEvent event) {
        Message<String> message = Message.of(EventJson.encodeToString(event))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(event.buildId()).build());
        Duration backoff = Duration.ofMillis(500);
        while (true) {
            try {
                emitter.sendMessage(message).await().atMost(ACK_TIMEOUT);
                return;
            } catch (RuntimeException e) {
                Log.warnf("build %s: %s result of %s not acknowledged, retrying in %d ms: %s", event.buildId(), event.type(),
                        event.platform(), backoff.toMillis(), e.getMessage());
                try {
                    Thread.sleep(backoff.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while publishing a result", interrupted);
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }
}
