package dev.archipelago.failure;

/**
 * An exception of Archipelago's own that says whether trying again later may succeed: a registry
 * that does not answer is transient, a refused request is not. {@link Transience} asks it first.
 */
public interface ClassifiedFailure {

    /** True when the same action may succeed later without anything changed (a dependency that was away). */
    boolean isTransient();
}
