package dev.archipelago.assembler.messaging;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import dev.archipelago.assembler.repository.AssemblyRepository;
import dev.archipelago.assembler.service.Assembler;
import dev.archipelago.assembler.service.JoinService;
import dev.archipelago.failure.DependencyWaits;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;

/**
 * Finishes what the consumer could not: builds past their deadline fail with TIMEOUT, READY builds
 * whose assembly a crash or an unavailable registry interrupted are assembled, and outcomes not yet
 * acknowledged by the broker are published again.
 */
@ApplicationScoped
public class Sweeper {

    private static final String SWEEP = "assembler sweep";

    private final AssemblyRepository assemblies;
    private final JoinService join;
    private final Assembler assembler;
    private final OutcomePublisher outcomes;
    private final DependencyWaits waits;

    public Sweeper(AssemblyRepository assemblies, JoinService join, Assembler assembler, OutcomePublisher outcomes,
            DependencyWaits waits) {
        this.assemblies = assemblies;
        this.join = join;
        this.assembler = assembler;
        this.outcomes = outcomes;
        this.waits = waits;
    }

    @Scheduled(every = "${archipelago.assembler.sweep-interval:5s}", delayed = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void sweep() {
        try {
            Instant now = Instant.now();
            for (String buildId : QuarkusTransaction.requiringNew().call(() -> assemblies.overdueIds(now))) {
                join.timeOut(buildId, now);
                outcomes.publish(buildId);
            }
            for (String buildId : QuarkusTransaction.requiringNew().call(assemblies::readyIds)) {
                if (assembler.assemble(buildId)) {
                    outcomes.publish(buildId);
                }
            }
            // only outcomes older than the publisher's wait for an acknowledgement: a younger one may still be on its
            // way from the consumer's thread, and publishing it again here would only make a duplicate record
            Instant stale = now.minus(OutcomePublisher.ACK_TIMEOUT);
            for (String buildId : QuarkusTransaction.requiringNew().call(() -> assemblies.unpublishedIds(stale))) {
                outcomes.publish(buildId);
            }
            waits.succeeded(SWEEP);
        } catch (RuntimeException e) {
            // the next sweep tries again; readiness says why meanwhile
            waits.failed(SWEEP, e);
        }
    }
}
