package dev.archipelago.model.messaging;

import java.util.List;
import java.util.stream.Stream;

import dev.archipelago.model.Platform;

/** Kafka topic names, consumer groups and header names: the one place they are spelled. */
public final class Topics {

    /** {@code BuildRequest} records from any Kafka producer; read by the dispatcher. */
    public static final String SUBMIT = "archipelago.builds.submit";
    /** Prefix of the per-platform request topics; see {@link #requestsFor(Platform)}. */
    public static final String REQUESTS_PREFIX = "archipelago.builds.requests.";
    /**
     * {@code ArchBuildEvent} records from the workers, read by the assembler and the dispatcher;
     * and the dispatcher's {@code BuildCancel} of a whole build for the assembler ({@link #RECORD_TYPE_HEADER}).
     */
    public static final String RESULTS = "archipelago.builds.results";
    /** {@code BuildOutcome} records from the assembler; read by the dispatcher. */
    public static final String OUTCOMES = "archipelago.builds.outcomes";
    /** {@code WorkerHeartbeat} records from the workers; read by the dispatcher. */
    public static final String HEARTBEATS = "archipelago.workers.heartbeats";
    /** Records that a consumer could not read, with the reason in {@link #DLQ_REASON_HEADER}. */
    public static final String DLQ = "archipelago.dlq";

    /** Prefix of the dispatcher's consumer groups, one per channel: {@code archipelago-dispatcher-results} and so on. */
    public static final String DISPATCHER_GROUP_PREFIX = "archipelago-dispatcher-";
    public static final String ASSEMBLER_GROUP = "archipelago-assembler";
    public static final String WORKER_GROUP_PREFIX = "archipelago-worker-";

    /**
     * Header naming the record type on topics that carry more than one: request topics carry
     * {@code ArchBuildRequest} (header absent or {@value #TYPE_ARCH_BUILD_REQUEST}) and
     * {@code BuildCancel} ({@value #TYPE_BUILD_CANCEL}); the results topic carries
     * {@code ArchBuildEvent} (header absent) and {@code BuildCancel}.
     */
    public static final String RECORD_TYPE_HEADER = "archipelago-record-type";
    public static final String TYPE_ARCH_BUILD_REQUEST = "ArchBuildRequest";
    public static final String TYPE_BUILD_CANCEL = "BuildCancel";

    /** The header SmallRye's dead-letter queue writes the failure reason into. */
    public static final String DLQ_REASON_HEADER = "dead-letter-reason";
    /**
     * The header naming the service and channel that sent a record to the dead-letter queue:
     * {@code build-dispatcher/results-in}.
     */
    public static final String DLQ_CONSUMER_HEADER = "archipelago-consumer";

    private Topics() {
    }

    /** The request topic of one platform, for example {@code archipelago.builds.requests.ppc64le}. */
    public static String requestsFor(Platform platform) {
        return REQUESTS_PREFIX + platform.tagSafeName();
    }

    /** The consumer group of the workers of one platform, for example {@code archipelago-worker-ppc64le}. */
    public static String workerGroupFor(Platform platform) {
        return WORKER_GROUP_PREFIX + platform.tagSafeName();
    }

    /** Every topic of the system, with one request topic per supported platform. */
    public static List<String> all() {
        return Stream.concat(Stream.of(SUBMIT, RESULTS, OUTCOMES, HEARTBEATS, DLQ),
                Platform.supported().stream().map(Topics::requestsFor)).toList();
    }
}
