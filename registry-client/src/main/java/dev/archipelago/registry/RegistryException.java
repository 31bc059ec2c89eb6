package dev.archipelago.registry;

import dev.archipelago.failure.ClassifiedFailure;

/**
 * A registry call that failed; the message names the registry and what was asked, never
 * credentials. Transient when the registry did not answer or answered 5xx/429 ({@link Kind#UNAVAILABLE}).
 */
public class RegistryException extends RuntimeException implements ClassifiedFailure {

    /** What went wrong; only UNAVAILABLE (no answer, 5xx, 429) is worth trying again later. */
    public enum Kind {
        NOT_FOUND,
        UNAUTHORIZED,
        INVALID,
        TOO_LARGE,
        UNAVAILABLE
    }

    private final Kind kind;
    private final int status;

    public RegistryException(Kind kind, int status, String message) {
        super(message);
        this.kind = kind;
        this.status = status;
    }

    @Override
    public boolean isTransient() {
        return kind == Kind.UNAVAILABLE;
    }

    public Kind kind() {
        return kind;
    }

    public int status() {
        return status;
    }
}
