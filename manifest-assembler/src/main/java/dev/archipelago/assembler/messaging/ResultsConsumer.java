package dev.archipelago.assembler.messaging;

import dev.archipelago.assembler.repository.Assembly;
import dev.archipelago.assembler.service.Assembler;
import dev.archipelago.assembler.service.JoinService;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.json.EventDecodingException;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.model.messaging.Channels;
import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Joins the workers' results. A result is acknowledged only after the join state it changes is
 * committed; an unreadable one goes to the dead-letter queue with the reason. When the result
 * completes a build, the index is assembled and the outcome published right away; the sweeper
 * does the same for anything a crash interrupted.
 */
@ApplicationScoped
public class ResultsConsumer {

    private final JoinService join;
    private final Assembler assembler;
    private final OutcomePublisher outcomes;

    public ResultsConsumer(JoinService join, Assembler assembler, OutcomePublisher outcomes) {
        this.join = join;
        this.assembler = assembler;
        this.outcomes = outcomes;
    }

    // One result at a time: handling them side by side (@Blocking(ordered = false)) raised the
    // throughput of the benchmark's scenario 4 from 12 to 19 builds/s, but the first results of a
    // new build then race to create its join row, and in CI a retried build once lost its outcome.
    // Parallel joins need that creation made race-free first (INSERT ... ON CONFLICT DO NOTHING).
    @Incoming(Channels.RESULTS_IN)
    @Blocking
    public CompletionStage<Void> consume(Message<byte[]> message) {
        ArchBuildEvent event;
        try {
            event = EventJson.decode(message.getPayload(), ArchBuildEvent.class);
        } catch (EventDecodingException e) {
            Log.warnf("unreadable result sent to the dead-letter queue: %s", e.getMessage());
            return message.nack(e);
        }
        Assembly.State state = recordWithRetry(event);
        CompletionStage<Void> ack = message.ack();
        if (state == Assembly.State.READY) {
            assembler.assemble(event.buildId());
        }
        outcomes.publish(event.buildId());
        return ack;
    }

    private Assembly.State recordWithRetry(ArchBuildEvent event) {
        Duration backoff = Duration.ofMillis(200);
        while (true) {
            try {
                return join.record(event);
            } catch (RuntimeException e) {
                // the database is the only thing that can fail here; nothing is acknowledged until it is back
                Log.warnf("build %s: storing the %s result of %s failed, retrying in %d ms: %s", event.buildId(), event.type(),
                        event.platform(), backoff.toMillis(), e.getMessage());
                try {
                    Thread.sleep(backoff.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", interrupted);
                }
                backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5) : backoff.multipliedBy(2);
            }
        }
    }
}
