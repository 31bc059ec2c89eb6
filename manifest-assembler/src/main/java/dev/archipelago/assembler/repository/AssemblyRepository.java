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
