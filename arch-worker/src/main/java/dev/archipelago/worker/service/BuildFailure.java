package dev.archipelago.worker.service;

import dev.archipelago.model.events.BuildErrorCode;

/** A build that failed for a reason with a stable code; the message says what a person can do. */
final class BuildFailure extends Exception {

    final BuildErrorCode code;

    BuildFailure(BuildErrorCode code, String message) {
        super(message);
        this.code = code;
    }
}
