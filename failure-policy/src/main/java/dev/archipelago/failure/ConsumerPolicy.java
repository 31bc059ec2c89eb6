package dev.archipelago.failure;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

import dev.archipelago.model.json.EventDecodingException;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.model.messaging.Topics;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * How every consumer of every service treats a record, in one place:
 * <ul>
 * <li>decoded strictly; a record that cannot be decoded goes to {@code archipelago.dlq} at once
 * (by a nack: the connector's {@code dead-letter-queue} strategy, declared once for all
 * channels in this module's {@code microprofile-config.properties}), with the reason and the
 * consuming service in headers;</li>
 * <li>its effect is applied; a transient failure (a dependency away, {@link Transience}) is
 * waited out for as long as it lasts, readiness DOWN meanwhile ({@link DependencyWaits}), so a
 * database or broker outage of any length loses nothing and stops nothing;</li>
 * <li>a permanent failure (undecodable, or a {@link ClassifiedFailure} that is not transient) goes to the
 * dead-letter queue at once; an unexpected one (a bug) after {@value #ATTEMPTS_FOR_UNEXPECTED} tries;</li>
 * <li>the record is acknowledged only after its effect is committed.</li>
 * </ul>
 * The connector's check for records left unacknowledged too long is off for the same reason
 * (decision 10): while a dependency is down, records legitimately wait.
 */
@ApplicationScoped
public class ConsumerPolicy {

    private static final Logger LOG = Logger.getLogger(ConsumerPolicy.class);
    static final int ATTEMPTS_FOR_UNEXPECTED = 3;

    private final DependencyWaits waits;
    private final String service;

    public ConsumerPolicy(DependencyWaits waits, @ConfigProperty(name = "quarkus.application.name") String service) {
        this.waits = waits;
        this.service = service;
    }

    /** Decodes the record as {@code type}, applies {@code effect} under the policy, and acknowledges it. */
    public <T> CompletionStage<Void> apply(String channel, Message<byte[]> message, Class<T> type, Consumer<T> effect) {
        T event;
        try {
            event = EventJson.decode(message.getPayload(), type);
        } catch (EventDecodingException e) {
            return deadLetter(channel, message, e);
        }
        return applyDecoded(channel, message, () -> effect.accept(event));
    }

    /** Applies an effect of an already decoded record under the policy, and acknowledges the record. */
    public CompletionStage<Void> applyDecoded(String channel, Message<?> message, Runnable effect) {
        String what = channel + " " + where(message);
        for (int attempt = 1;; attempt++) {
            try {
                waits.untilDone(what, effect);
                return message.ack();
            } catch (DependencyWaits.Interrupted e) {
                // stopping: leave the record unacknowledged, so it is delivered again after the restart
                return new CompletableFuture<>();
            } catch (RuntimeException e) {
                boolean permanent = Transience.isPermanent(e);
                if (permanent || attempt >= ATTEMPTS_FOR_UNEXPECTED) {
                    if (!permanent) {
                        LOG.errorf(e, "%s: the record could not be applied after %d tries", what, attempt);
                    }
                    return deadLetter(channel, message, e);
                }
                LOG.warnf("%s: applying the record failed (try %d of %d): %s", what, attempt, ATTEMPTS_FOR_UNEXPECTED,
                        DependencyWaits.describe(e));
            }
        }
    }

    /**
     * Sends the record to the dead-letter queue with the reason ({@code dead-letter-reason}, by the
     * connector) and this service and channel ({@value Topics#DLQ_CONSUMER_HEADER}).
     */
    public CompletionStage<Void> deadLetter(String channel, Message<?> message, Throwable reason) {
        LOG.warnf("%s %s: sent to %s: %s", channel, where(message), Topics.DLQ, DependencyWaits.describe(reason));
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.DLQ_CONSUMER_HEADER, (service + "/" + channel).getBytes(StandardCharsets.UTF_8));
        return message.nack(reason, Metadata.of(OutgoingKafkaRecordMetadata.builder().withHeaders(headers).build()));
    }

    /**
     * The record's type on a topic that carries more than one ({@value Topics#RECORD_TYPE_HEADER}),
     * or {@code null} when the header is absent.
     */
    public static String recordType(Message<?> message) {
        return message.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(m -> m.getHeaders().lastHeader(Topics.RECORD_TYPE_HEADER))
                .map(h -> h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8))
                .orElse(null);
    }

    /** Where a record came from, for log lines and submission keys: {@code topic-partition@offset}. */
    public static String where(Message<?> message) {
        return message.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(m -> m.getTopic() + "-" + m.getPartition() + "@" + m.getOffset())
                .orElse("record");
    }
}
