package dev.archipelago.worker.messaging;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import dev.archipelago.model.events.Schema;
import dev.archipelago.model.events.WorkerHeartbeat;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.model.messaging.Channels;
import dev.archipelago.worker.config.WorkerConfig;
import dev.archipelago.worker.identity.PlatformIdentity;
import dev.archipelago.worker.job.BuildScheduler;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/** Tells the dispatcher every few seconds that this worker is alive, what it builds and how busy it is. */
@ApplicationScoped
public class HeartbeatPublisher {

    private final MutinyEmitter<String> emitter;
    private final BuildScheduler scheduler;
    private final PlatformIdentity identity;
    private final WorkerConfig config;
    private final String version;

    public HeartbeatPublisher(@Channel(Channels.HEARTBEATS_OUT) MutinyEmitter<String> emitter, BuildScheduler scheduler,
            PlatformIdentity identity, WorkerConfig config,
            @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev") String version) {
        this.emitter = emitter;
        this.scheduler = scheduler;
        this.identity = identity;
        this.config = config;
        this.version = version;
    }

    @Scheduled(every = "${archipelago.worker.heartbeat-interval:10s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void beat() {
        WorkerHeartbeat heartbeat = new WorkerHeartbeat(Schema.CURRENT, scheduler.workerId(), identity.platform(),
                identity.emulated(), version,
                config.executor().configName(), config.concurrency(), scheduler.inFlight(),
                (int) config.heartbeatInterval().toSeconds(),
                Instant.now());
        // a lost heartbeat is replaced by the next one; a failure is only logged
        emitter.sendMessage(Message.of(EventJson.encodeToString(heartbeat))
                .addMetadata(OutgoingKafkaRecordMetadata.<String> builder().withKey(heartbeat.workerId()).build()))
                .subscribe().with(ok -> {
                }, failure -> Log.debugf("heartbeat not sent: %s", failure.getMessage()));
    }
}
