package dev.archipelago.dispatcher.repository;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

@ApplicationScoped
public class OutboxRepository implements PanacheRepositoryBase<OutboxRecord, Long> {

    /**
     * The oldest unsent records, locked and skipped by other relays (other dispatcher replicas)
     * until this transaction ends.
     */
    @SuppressWarnings("unchecked")
    public List<OutboxRecord> lockUnsent(int limit) {
        return getEntityManager().createNativeQuery(
                        "SELECT * FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED",
                        OutboxRecord.class)
                .setParameter("limit", limit).getResultList();
    }

    public long countUnsent() {
        return count("sentAt is null");
    }
}
