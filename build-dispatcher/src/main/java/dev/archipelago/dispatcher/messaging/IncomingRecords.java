package dev.archipelago.dispatcher.messaging;

import dev.archipelago.model.json.EventDecodingException;
import dev.archipelago.model.json.EventJson;
import io.quarkus.logging.Log;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * How the dispatcher's consumers treat a record: decode it strictly, send what cannot be read to
 * the dead-letter queue with the reason (by nacking it), retry the effect while the failure is
 * transient (database down, lock timeouts) so that nothing is lost, and acknowledge only after
 * the effect is committed.
 */
final class IncomingRecords {

    private static final int MAX_ATTEMPTS_FOR_BUGS = 3;
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private IncomingRecords() {
    }

    static <T> CompletionStage<Void> handle(Message<byte[]> message, Class<T> type, Consumer<T> effect) {
        T event;
        try {
            event = EventJson.decode(message.getPayload(), type);
        } catch (EventDecodingException e) {
            Log.warnf("%s: unreadable record sent to the dead-letter queue: %s", where(message), e.getMessage());
            return message.nack(e);
        }
        Duration backoff = Duration.ofMillis(200);
        for (int attempt = 1; ; attempt++) {
            try {
                effect.accept(event);
                return message.ack();
            } catch (RuntimeException e) {
                if (!isTransient(e) && attempt >= MAX_ATTEMPTS_FOR_BUGS) {
                    Log.errorf(e, "%s: record could not be applied after %d attempts; sent to the dead-letter queue", where(message), attempt);
                    return message.nack(new IllegalStateException("could not be applied: " + e.getMessage(), e));
                }
                Log.warnf("%s: applying the record failed (attempt %d), retrying in %d ms: %s", where(message), attempt,
                        backoff.toMillis(), e.getMessage());
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    /** Where a record came from, for log lines and submission keys: {@code topic-partition@offset}. */
    static String where(Message<?> message) {
        return message.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(m -> m.getTopic() + "-" + m.getPartition() + "@" + m.getOffset())
                .orElse("record");
    }

    private static boolean isTransient(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException || t instanceof jakarta.persistence.PersistenceException
                    || t instanceof jakarta.transaction.SystemException
                    || t.getClass().getName().startsWith("io.agroal") || t.getClass().getName().contains("Transaction")) {
                return true;
            }
        }
        return false;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to retry", e);
        }
    }
}
