package dev.archipelago.assembler.messaging;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import dev.archipelago.assembler.repository.Assembly;
import dev.archipelago.assembler.service.Assembler;
import dev.archipelago.assembler.service.JoinService;
import dev.archipelago.failure.ConsumerPolicy;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.BuildCancel;
import dev.archipelago.model.messaging.Channels;
import dev.archipelago.model.messaging.Topics;
import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Blocking;

/**
 * Joins the workers' results, and the dispatcher's cancels that travel with them, under the one
 * failure policy: a record is acknowledged only after the join state it changes is committed (a
 * database outage is waited out), an unreadable one goes to the dead-letter queue with the reason.
 * When a result completes a build, the index is assembled and the outcome published right away;
 * the sweeper does the same for anything a crash or an unavailable registry interrupted.
 */
@ApplicationScoped
public class ResultsConsumer {

    private final JoinService join;
    private final Assembler assembler;
    private final OutcomePublisher outcomes;
    private final ConsumerPolicy policy;

    public ResultsConsumer(JoinService join, Assembler assembler, OutcomePublisher outcomes, ConsumerPolicy policy) {
        this.join = join;
        this.assembler = assembler;
        this.outcomes = outcomes;
        this.policy = policy;
    }

    // One result at a time per replica, in the order of its partitions (a cancel is joined after the results
    // published before it). Replicas run side by side; the join's locks keep them apart (JoinService). Side by
    // side within a replica too, the 2-core load test's API reads missed their 1 s p99 (bench/README.md).
    @Incoming(Channels.RESULTS_IN)
    @Blocking
    public CompletionStage<Void> consume(Message<byte[]> message) {
        if (Topics.TYPE_BUILD_CANCEL.equals(ConsumerPolicy.recordType(message))) {
            return policy.apply(Channels.RESULTS_IN, message, BuildCancel.class, join::cancel);
        }
        AtomicReference<ArchBuildEvent> recorded = new AtomicReference<>();
        AtomicReference<Assembly.State> state = new AtomicReference<>();
        CompletionStage<Void> ack = policy.apply(Channels.RESULTS_IN, message, ArchBuildEvent.class, event -> {
            state.set(join.record(event));
            recorded.set(event);
        });
        ArchBuildEvent event = recorded.get();
        if (event != null) {
            try {
                if (state.get() == Assembly.State.READY) {
                    assembler.assemble(event.buildId());
                }
                outcomes.publish(event.buildId());
            } catch (RuntimeException e) {
                // the result is committed and acknowledged; what is left is the sweeper's
                Log.warnf("build %s: assembling or publishing the outcome failed, the sweeper will finish it: %s",
                        event.buildId(), e.getMessage());
            }
        }
        return ack;
    }
}
