package dev.archipelago.worker.job;

import dev.archipelago.model.events.BuildErrorCode;

/** A build that failed for a reason with a stable code; the message says what a person can do. */
public final class BuildFailure extends Exception {

    public final BuildErrorCode code;

    public BuildFailure(BuildErrorCode code, String message) {
        super(message);
        this.code = code;
    }
}
