package dev.archipelago.dispatcher;

import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.persistence.EntityManager;

import io.quarkus.arc.Arc;

/** Row counts straight from the database, for tests that prove nothing was written. */
final class Counts {

    private Counts() {
    }

    static long builds() {
        return count("SELECT count(*) FROM builds");
    }

    static long outbox() {
        return count("SELECT count(*) FROM outbox");
    }

    static long unsentOutbox() {
        return count("SELECT count(*) FROM outbox WHERE sent_at IS NULL");
    }

    private static long count(String sql) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) Arc.container().instance(EntityManager.class).get()
                .createNativeQuery(sql).getSingleResult()).longValue());
    }
}
