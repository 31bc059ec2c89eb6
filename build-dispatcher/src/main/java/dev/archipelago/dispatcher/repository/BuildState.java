package dev.archipelago.dispatcher.repository;

/** The life of a build: QUEUED -> BUILDING -> ASSEMBLING -> SUCCEEDED | FAILED | CANCELLED. */
public enum BuildState {
    QUEUED,
    BUILDING,
    ASSEMBLING,
    SUCCEEDED,
    FAILED,
    CANCELLED;

    public boolean isFinal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
