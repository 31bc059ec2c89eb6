package dev.archipelago.dispatcher.repository;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;

@ApplicationScoped
public class OutboxRepository implements PanacheRepositoryBase<OutboxRecord, Long> {

    /**
     * Claims the oldest unsent records that no other relay holds, for {@code lease}: rows locked by
     * a concurrent claim are skipped, and a claim that outlives its lease (a relay that died) can
     * be taken over.
     */
    @SuppressWarnings("unchecked")
    public List<OutboxRecord> claimUnsent(int limit, Duration lease) {
        return getEntityManager().createNativeQuery("""
                UPDATE outbox SET claimed_until = now() + make_interval(secs => :lease)
                WHERE id IN (SELECT id FROM outbox
                             WHERE sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
                             ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED)
                RETURNING *""", OutboxRecord.class)
                .setParameter("lease", (double) lease.toSeconds())
                .setParameter("limit", limit)
                .getResultList();
    }

    public void markSent(List<Long> ids, Instant at) {
        if (!ids.isEmpty()) {
            update("sentAt = ?1, claimedUntil = null where id in ?2", at, ids);
        }
    }

    public void release(long id, String error) {
        update("attempts = attempts + 1, lastError = ?1, claimedUntil = null where id = ?2", error, id);
    }
}
