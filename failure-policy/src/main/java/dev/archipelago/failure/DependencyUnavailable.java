package dev.archipelago.failure;

/**
 * A dependency did not do what was asked of it, for a reason that passes (the broker did not
 * acknowledge a record in time, a registry did not answer): transient by definition. Used where
 * every failure of a call means the dependency is away, to say so in one type.
 */
public class DependencyUnavailable extends RuntimeException implements ClassifiedFailure {

    public DependencyUnavailable(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean isTransient() {
        return true;
    }
}
