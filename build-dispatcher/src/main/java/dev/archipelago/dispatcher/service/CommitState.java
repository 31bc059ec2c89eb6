package dev.archipelago.dispatcher.service;

import java.util.Locale;

import dev.archipelago.dispatcher.repository.BuildState;

/**
 * The commit status a build's state calls for, in our words; each provider has its own names
 * ({@link #gitlab()}, {@link #github()}). Keep {@code BuildRepository.statusesBehind} in step with {@link #of}.
 */
public enum CommitState {
    PENDING,
    RUNNING,
    SUCCESS,
    FAILED,
    CANCELED;

    public static CommitState of(BuildState state) {
        return switch (state) {
            case QUEUED -> PENDING;
            case BUILDING, ASSEMBLING -> RUNNING;
            case SUCCEEDED -> SUCCESS;
            case FAILED -> FAILED;
            case CANCELLED -> CANCELED;
        };
    }

    /** As stored in {@code builds.status_reported}, and as GitLab names it. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String gitlab() {
        return wireName();
    }

    /** GitHub knows pending, success, failure and error: a running build is pending there, a cancelled one an error. */
    public String github() {
        return switch (this) {
            case PENDING, RUNNING -> "pending";
            case SUCCESS -> "success";
            case FAILED -> "failure";
            case CANCELED -> "error";
        };
    }
}
