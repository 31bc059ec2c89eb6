package dev.archipelago.worker.identity;

import java.io.IOException;
import java.net.InetAddress;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.archipelago.worker.config.WorkerConfig;

/** The worker's id: configured, or the host name, the platform and a random suffix. */
@ApplicationScoped
public class WorkerIdentity {

    private final String id;

    public WorkerIdentity(WorkerConfig config, PlatformIdentity platform) {
        this.id = config.id().orElseGet(() -> hostName() + "-" + platform.platform().tagSafeName() + "-"
                + UUID.randomUUID().toString().substring(0, 6));
    }

    public String id() {
        return id;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "worker";
        }
    }
}
