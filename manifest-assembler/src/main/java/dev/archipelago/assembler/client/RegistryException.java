package dev.archipelago.assembler.client;

/** A registry call that failed; the message names the registry and what was asked, never credentials. */
public class RegistryException extends RuntimeException {

    public enum Kind { NOT_FOUND, UNAUTHORIZED, INVALID, UNAVAILABLE }

    private final Kind kind;
    private final int status;

    public RegistryException(Kind kind, int status, String message) {
        super(message);
        this.kind = kind;
        this.status = status;
    }

    public Kind kind() {
        return kind;
    }

    public int status() {
        return status;
    }
}
