package dev.archipelago.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.BuildOutcome;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.model.messaging.Topics;

/**
 * Follows the results and outcomes topics from their end, keeping every event with its record
 * timestamp (the producer's clock, which is this machine's): when a worker said STARTED or
 * SUCCEEDED, when the assembler said the index was pushed.
 */
final class EventLog implements AutoCloseable {

    record Timed<T>(long timestamp, T event) {
    }

    private final Map<String, List<Timed<ArchBuildEvent>>> results = new ConcurrentHashMap<>();
    private final Map<String, List<Timed<BuildOutcome>>> outcomes = new ConcurrentHashMap<>();
    private final KafkaConsumer<String, String> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    EventLog(String bootstrap) {
        consumer = Consumers.fromEnd(bootstrap, List.of(Topics.RESULTS, Topics.OUTCOMES));
        thread = new Thread(this::poll, "bench-event-log");
        thread.setDaemon(true);
        thread.start();
    }

    private void poll() {
        while (running) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(50))) {
                try {
                    if (record.topic().equals(Topics.RESULTS)) {
                        ArchBuildEvent event = EventJson.decode(record.value(), ArchBuildEvent.class);
                        results.computeIfAbsent(event.buildId(), k -> new CopyOnWriteArrayList<>())
                                .add(new Timed<>(record.timestamp(), event));
                    } else {
                        BuildOutcome outcome = EventJson.decode(record.value(), BuildOutcome.class);
                        outcomes.computeIfAbsent(outcome.buildId(), k -> new CopyOnWriteArrayList<>())
                                .add(new Timed<>(record.timestamp(), outcome));
                    }
                } catch (RuntimeException e) {
                    // not ours to judge here: the services' own consumers send such records to the DLQ
                }
            }
        }
        consumer.close();
    }

    List<Timed<ArchBuildEvent>> results(String buildId) {
        return results.getOrDefault(buildId, List.of());
    }

    List<Timed<BuildOutcome>> outcomes(String buildId) {
        return outcomes.getOrDefault(buildId, List.of());
    }

    /** When the first worker said STARTED for the build. */
    long firstStarted(String buildId) {
        return results(buildId).stream().filter(t -> t.event().type() == ArchBuildEvent.Type.STARTED)
                .mapToLong(Timed::timestamp).min().orElseThrow(() -> new IllegalStateException("no STARTED for " + buildId));
    }

    /** When the last platform's SUCCEEDED was written. */
    long lastSucceeded(String buildId) {
        return results(buildId).stream().filter(t -> t.event().type() == ArchBuildEvent.Type.SUCCEEDED)
                .mapToLong(Timed::timestamp).max().orElseThrow(() -> new IllegalStateException("no SUCCEEDED for " + buildId));
    }

    /** The slowest platform's fetch + build + verify + push, as its worker measured it. */
    long slowestPlatformMs(String buildId) {
        return results(buildId).stream().filter(t -> t.event().type() == ArchBuildEvent.Type.SUCCEEDED)
                .mapToLong(t -> t.event().durations().totalMs()).max().orElseThrow();
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
