package dev.archipelago.worker.job;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.worker.config.WorkerConfig;
import io.quarkus.logging.Log;

/**
 * The final result of every build this worker finished, one small file per (build, platform,
 * attempt), so that a redelivered request re-emits the earlier result instead of building again.
 * Kept on the worker's volume: a replica that never built the request rebuilds it, which the
 * assembler and the dispatcher treat as a duplicate.
 */
@ApplicationScoped
public class CompletedBuilds {

    private final Path dir;

    public CompletedBuilds(WorkerConfig config) {
        this.dir = Path.of(config.resultsDir());
    }

    public Optional<ArchBuildEvent> find(String key) {
        Path file = dir.resolve(fileName(key));
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(EventJson.decode(Files.readAllBytes(file), ArchBuildEvent.class));
        } catch (IOException | IllegalArgumentException e) {
            Log.warnf("unreadable result record %s ignored: %s", file, e.getMessage());
            return Optional.empty();
        }
    }

    public void remember(String key, ArchBuildEvent event) {
        try {
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, "result", ".tmp");
            Files.write(temp, EventJson.encode(event));
            Files.move(temp, dir.resolve(fileName(key)), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Log.warnf("build %s: cannot record the result locally (a redelivery would rebuild): %s", event.buildId(),
                    e.getMessage());
        }
    }

    private static String fileName(String key) {
        return key.replaceAll("[^A-Za-z0-9_.-]", "_") + ".json";
    }
}
