package dev.archipelago.dispatcher.service;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;

import dev.archipelago.dispatcher.repository.OutboxRecord;
import dev.archipelago.dispatcher.repository.OutboxRepository;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.model.messaging.Topics;

/** Writes records to publish into the outbox, in the caller's transaction. */
@ApplicationScoped
public class Outbox {

    private final OutboxRepository repository;
    private final Event<OutboxWritten> written;

    public Outbox(OutboxRepository repository, Event<OutboxWritten> written) {
        this.repository = repository;
        this.written = written;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void add(String topic, String key, String recordType, Object event) {
        OutboxRecord record = new OutboxRecord();
        record.topic = topic;
        record.recordKey = key;
        record.recordType = recordType == null ? Topics.TYPE_ARCH_BUILD_REQUEST : recordType;
        record.payload = EventJson.encodeToString(event);
        record.createdAt = Instant.now();
        repository.persist(record);
        written.fire(new OutboxWritten(1));
    }
}
