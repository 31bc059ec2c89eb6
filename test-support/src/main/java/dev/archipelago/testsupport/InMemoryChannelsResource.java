package dev.archipelago.testsupport;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;

/**
 * The fast tier's stand-in for Kafka: switches the channels named in the {@code incoming} and
 * {@code outgoing} arguments (comma-separated) to SmallRye's in-memory connector, so a test drives
 * a service's consumer logic and reads what it emits without a broker. Nothing else changes: the
 * database, the failure policy and the service's beans are the real ones.
 *
 * Declared with {@code WithTestResource}, its {@code initArgs} naming the channels, for example
 * {@code incoming=results-in} and {@code outgoing=outcomes-out}. The test reaches the channels
 * through the injected {@code InMemoryConnector}.
 */
public class InMemoryChannelsResource implements QuarkusTestResourceLifecycleManager {

    private String[] incoming = {};
    private String[] outgoing = {};

    @Override
    public void init(Map<String, String> initArgs) {
        incoming = names(initArgs.get("incoming"));
        outgoing = names(initArgs.get("outgoing"));
    }

    private static String[] names(String list) {
        return list == null || list.isBlank() ? new String[0]
                : Arrays.stream(list.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toArray(String[]::new);
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>();
        config.putAll(InMemoryConnector.switchIncomingChannelsToInMemory(incoming));
        config.putAll(InMemoryConnector.switchOutgoingChannelsToInMemory(outgoing));
        // no broker in this tier: the Kafka health check would only report it missing
        config.put("quarkus.kafka.health.enabled", "false");
        return config;
    }

    @Override
    public void stop() {
        InMemoryConnector.clear();
    }
}
