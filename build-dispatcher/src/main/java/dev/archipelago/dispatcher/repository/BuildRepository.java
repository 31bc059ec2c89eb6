package dev.archipelago.dispatcher.repository;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;

@ApplicationScoped
public class BuildRepository implements PanacheRepositoryBase<Build, UUID> {

    /**
     * The build, locked for the rest of the transaction so that concurrent events apply one after
     * the other. The lock is its own statement, before the build and its platforms are read: a
     * locking select joined to the platforms would, in READ COMMITTED, return a build row updated by
     * the transaction it waited for together with that transaction's old platform rows.
     */
    public Optional<Build> findForUpdate(UUID id) {
        boolean exists = !getEntityManager().createNativeQuery("SELECT id FROM builds WHERE id = :id FOR UPDATE")
                .setParameter("id", id).getResultList().isEmpty();
        return exists ? findByIdOptional(id) : Optional.empty();
    }

    public Optional<Build> findBySubmissionKey(String key) {
        return find("submissionKey", key).firstResultOptional();
    }

    /** Newest first, at most {@code limit}, optionally only those in {@code state}. */
    public List<Build> newest(BuildState state, int limit) {
        Sort sort = Sort.descending("createdAt", "id");
        var query = state == null ? findAll(sort) : find("state", sort, state);
        return query.page(Page.ofSize(limit)).list();
    }

    /** Records the commit status last reported for a build; leaves its version alone (no change of the build itself). */
    public void markStatusReported(UUID id, String status) {
        getEntityManager().createNativeQuery("UPDATE builds SET status_reported = :status WHERE id = :id")
                .setParameter("status", status).setParameter("id", id).executeUpdate();
    }

    /**
     * Builds changed since {@code since} whose last reported commit status is not the one their
     * state calls for (the mapping of {@code CommitState.of}), oldest change first.
     */
    @SuppressWarnings("unchecked")
    public List<UUID> statusesBehind(Instant since, int limit) {
        return getEntityManager().createNativeQuery("""
                SELECT id FROM builds
                WHERE status_target IS NOT NULL AND updated_at > :since
                  AND status_reported IS DISTINCT FROM CASE state
                      WHEN 'QUEUED' THEN 'pending' WHEN 'BUILDING' THEN 'running' WHEN 'ASSEMBLING' THEN 'running'
                      WHEN 'SUCCEEDED' THEN 'success' WHEN 'FAILED' THEN 'failed' ELSE 'canceled' END
                ORDER BY updated_at LIMIT :limit""", UUID.class)
                .setParameter("since", since).setParameter("limit", limit).getResultList();
    }
}
