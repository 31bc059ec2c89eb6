package dev.archipelago.dispatcher.repository;

/** The life of one platform's build within an attempt; {@link #rank()} only grows within an attempt. */
public enum PlatformState {
    QUEUED(0),
    BUILDING(1),
    SUCCEEDED(2),
    FAILED(2),
    CANCELLED(2);

    private final int rank;

    PlatformState(int rank) {
        this.rank = rank;
    }

    public int rank() {
        return rank;
    }

    public boolean isFinal() {
        return rank == 2;
    }
}
