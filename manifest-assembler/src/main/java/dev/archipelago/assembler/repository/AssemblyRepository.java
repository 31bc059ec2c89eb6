package dev.archipelago.assembler.repository;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.runtime.annotations.RegisterForReflection;

@ApplicationScoped
public class AssemblyRepository implements PanacheRepositoryBase<Assembly, String> {

    /**
     * The assembly, locked for the rest of the transaction. The lock is its own statement, before
     * the assembly and its results are read: a locking select joined to the results would, in READ
     * COMMITTED, pair an updated assembly row with the old result rows.
     */
    public Optional<Assembly> findForUpdate(String buildId) {
        boolean exists = !getEntityManager()
                .createNativeQuery("SELECT build_id FROM assemblies WHERE build_id = :id FOR UPDATE")
                .setParameter("id", buildId).getResultList().isEmpty();
        return exists ? findByIdOptional(buildId) : Optional.empty();
    }

    /**
     * Takes the transaction-scoped advisory lock of a build's id: whoever would create its assembly
     * holds it, so that results of one build handled side by side (threads or replicas) create one
     * row and never race to insert it. Released at commit or rollback.
     */
    public void lockCreation(String buildId) {
        getEntityManager().createNativeQuery("SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext(:id))) AS locked")
                .setParameter("id", "assembly:" + buildId).getSingleResult();
    }

    /** Claims a READY build for one assembler thread or replica for {@code lease}; false if another holds it. */
    public boolean claimReady(String buildId, Duration lease) {
        return update("claimedUntil = ?1 where buildId = ?2 and state = ?3 and (claimedUntil is null or claimedUntil < ?4)",
                Instant.now().plus(lease), buildId, Assembly.State.READY, Instant.now()) == 1;
    }

    public List<String> readyIds() {
        return find("state", Assembly.State.READY).project(BuildIdOnly.class).list().stream().map(BuildIdOnly::buildId)
                .toList();
    }

    public List<String> overdueIds(Instant now) {
        return find("state = ?1 and deadline < ?2", Assembly.State.COLLECTING, now).project(BuildIdOnly.class).list()
                .stream().map(BuildIdOnly::buildId).toList();
    }

    /**
     * Claims the build's stored, unpublished outcome for one publisher (thread or replica) for
     * {@code lease}; false if there is none or another publisher holds it.
     */
    public boolean claimOutcome(String buildId, Duration lease) {
        Instant now = Instant.now();
        return update("outcomeClaimedUntil = ?1 where buildId = ?2 and outcomeJson is not null and outcomePublishedAt is null"
                + " and (outcomeClaimedUntil is null or outcomeClaimedUntil < ?3)", now.plus(lease), buildId, now) == 1;
    }

    /** Builds whose outcome, stored before {@code storedBefore}, was never acknowledged by the broker. */
    public List<String> unpublishedIds(Instant storedBefore) {
        return find("outcomeJson is not null and outcomePublishedAt is null and updatedAt < ?1", storedBefore)
                .project(BuildIdOnly.class).list()
                .stream().map(BuildIdOnly::buildId).toList();
    }

    @RegisterForReflection
    public record BuildIdOnly(String buildId) {
    }
}
