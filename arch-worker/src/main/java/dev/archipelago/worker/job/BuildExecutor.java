package dev.archipelago.worker.job;

import java.io.IOException;
import java.util.Optional;

import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.worker.buildah.BuildahExecutor;
import dev.archipelago.worker.kubernetes.KubernetesExecutor;

/**
 * Where a platform's build runs: buildah as a child process here ({@link BuildahExecutor}),
 * or a build pod per build ({@link KubernetesExecutor}). The scheduler owns concurrency,
 * deduplication and results; an executor only turns one request into one final event.
 */
public interface BuildExecutor {

    /** One build, ready to run once. */
    interface PlatformBuild {
        /**
         * Runs the build to its end and says how it went (SUCCEEDED or FAILED with a code); never throws for a failed build.
         */
        ArchBuildEvent run();

        /** Stops the build; {@link #run()} then returns FAILED with CANCELLED. Safe to call at any time, more than once. */
        void cancel();

        /** Removes what the build left on this host; called after its result is published, so it costs the build no time. */
        default void cleanUp() {
        }
    }

    PlatformBuild prepare(ArchBuildRequest request, String workerId, boolean emulated) throws IOException;

    /** Removes what builds of an earlier run of this worker (the same worker id) left behind; called before the first build. */
    void removeLeftovers(String workerId);

    /** Why the executor cannot build now, if it cannot. */
    Optional<String> notReady();

    /** Says where builds run, for the start-up log line. */
    String describe();
}
