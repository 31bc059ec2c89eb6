package dev.archipelago.dispatcher.service;

import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Tells the event streams of this dispatcher that a build changed. Only a nudge: listeners
 * read the build themselves, and also poll, so a change made by another replica is seen too.
 */
@ApplicationScoped
public class BuildUpdates {

    private final CopyOnWriteArrayList<Consumer<UUID>> listeners = new CopyOnWriteArrayList<>();

    public void changed(UUID buildId) {
        for (Consumer<UUID> listener : listeners) {
            listener.accept(buildId);
        }
    }

    public Runnable listen(Consumer<UUID> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }
}
