package dev.archipelago.testsupport;

import java.util.Map;

import dev.archipelago.infra.LocalRegistry;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A Quarkus test resource that gives the application one anonymous distribution registry per test
 * JVM, and lists it as a plain-HTTP registry under the configuration key named by the init arg
 * {@code property} (for example {@code archipelago.assembler.insecure-registries}).
 */
public class LocalRegistryResource implements QuarkusTestResourceLifecycleManager {

    private static LocalRegistry registry;
    private String property;

    /** The JVM's shared registry, started on first call. */
    public static synchronized LocalRegistry registry() {
        if (registry == null || !registry.isRunning()) {
            LocalRegistry started = LocalRegistry.anonymous();
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "registry-shutdown"));
            registry = started;
        }
        return registry;
    }

    @Override
    public void init(Map<String, String> initArgs) {
        property = initArgs.get("property");
    }

    @Override
    public Map<String, String> start() {
        String hostPort = registry().hostPort();
        return property == null ? Map.of() : Map.of(property, hostPort);
    }

    @Override
    public void stop() {
        // shared by every test class of this JVM; the shutdown hook stops it
    }
}
