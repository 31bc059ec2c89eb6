package dev.archipelago.model.messaging;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.eclipse.microprofile.config.spi.ConfigSource;

import dev.archipelago.model.Platform;

/**
 * The names of {@link Topics} as configuration properties, so that a service's
 * {@code application.properties} says {@code topic=${archipelago.topics.results}} instead of
 * spelling the name again. A service registers it in
 * {@code META-INF/services/org.eclipse.microprofile.config.spi.ConfigSource}.
 *
 * <ul>
 * <li>{@code archipelago.topics.submit}, {@code .results}, {@code .outcomes}, {@code .heartbeats}, {@code .dlq}</li>
 * <li>{@code archipelago.topics.requests.<platform>} for every supported platform, for example {@code .requests.ppc64le}</li>
 * <li>{@code archipelago.groups.assembler}, {@code archipelago.groups.dispatcher.<channel>} for the dispatcher's
 * {@code submissions}, {@code results}, {@code outcomes} and {@code heartbeats} consumers</li>
 * </ul>
 *
 * <p>
 * Its ordinal is low (50): any other source may still name other topics.
 */
public final class TopicConfigSource implements ConfigSource {

    private static final Map<String, String> PROPERTIES = properties();

    static Map<String, String> properties() {
        Map<String, String> properties = new TreeMap<>();
        properties.put("archipelago.topics.submit", Topics.SUBMIT);
        properties.put("archipelago.topics.results", Topics.RESULTS);
        properties.put("archipelago.topics.outcomes", Topics.OUTCOMES);
        properties.put("archipelago.topics.heartbeats", Topics.HEARTBEATS);
        properties.put("archipelago.topics.dlq", Topics.DLQ);
        for (Platform platform : Platform.supported()) {
            properties.put("archipelago.topics.requests." + platform.tagSafeName(), Topics.requestsFor(platform));
        }
        properties.put("archipelago.groups.assembler", Topics.ASSEMBLER_GROUP);
        for (String channel : new String[] { "submissions", "results", "outcomes", "heartbeats" }) {
            properties.put("archipelago.groups.dispatcher." + channel, Topics.DISPATCHER_GROUP_PREFIX + channel);
        }
        return Map.copyOf(properties);
    }

    @Override
    public Map<String, String> getProperties() {
        return PROPERTIES;
    }

    @Override
    public Set<String> getPropertyNames() {
        return PROPERTIES.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return PROPERTIES.get(propertyName);
    }

    @Override
    public String getName() {
        return "archipelago-topics";
    }

    @Override
    public int getOrdinal() {
        return 50;
    }
}
