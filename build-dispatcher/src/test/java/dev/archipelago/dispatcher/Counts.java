package dev.archipelago.dispatcher;

import jakarta.persistence.EntityManager;

import dev.archipelago.model.Platform;
import dev.archipelago.model.messaging.Topics;
import dev.archipelago.testsupport.KafkaTestClient;
import io.quarkus.arc.Arc;
import io.quarkus.narayana.jta.QuarkusTransaction;

/** Row and record counts straight from the database and the broker, for tests that prove nothing was written. */
final class Counts {

    private Counts() {
    }

    static long builds() {
        return count("SELECT count(*) FROM builds");
    }

    static long pipelines() {
        return count("SELECT count(*) FROM pipelines");
    }

    static long outbox() {
        return count("SELECT count(*) FROM outbox");
    }

    static long unsentOutbox() {
        return count("SELECT count(*) FROM outbox WHERE sent_at IS NULL");
    }

    /** Records ever written to the request topics of both platforms. */
    static long requestRecords(KafkaTestClient kafka) {
        return kafka.endOffsetSum(Topics.requestsFor(Platform.LINUX_AMD64))
                + kafka.endOffsetSum(Topics.requestsFor(Platform.LINUX_PPC64LE));
    }

    private static long count(String sql) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) Arc.container().instance(EntityManager.class).get()
                .createNativeQuery(sql).getSingleResult()).longValue());
    }
}
