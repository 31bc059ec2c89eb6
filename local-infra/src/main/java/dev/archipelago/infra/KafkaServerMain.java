package dev.archipelago.infra;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import dev.archipelago.model.messaging.Topics;

/**
 * Runs the KRaft broker as a process of its own, for the local stack and the end-to-end tests:
 * {@code java -cp <test-support classpath> dev.archipelago.infra.KafkaServerMain <port>
 * <controller port> <data dir>}. Keeps its data across restarts; stops on SIGTERM.
 */
public final class KafkaServerMain {

    private KafkaServerMain() {
    }

    /**
     * Creates every topic of the system before any service starts, as a cluster's KafkaTopic
     * resources would: a consumer subscribed to a topic that does not exist yet only sees it at its
     * next metadata refresh, which cost the first build about a second.
     */
    static void createTopics(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = Topics.all().stream().filter(t -> !existing.contains(t))
                    .map(t -> new NewTopic(t, 3, (short) 1)).toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: KafkaServerMain <port> <controller port> <data dir>");
            System.exit(2);
        }
        Path data = Path.of(args[2]);
        Files.createDirectories(data);
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(data, Integer.parseInt(args[0]), Integer.parseInt(args[1]), 3);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.stop();
            stopped.countDown();
        }, "kafka-stop"));
        broker.start();
        createTopics(broker.bootstrapServers());
        System.out.println("kafka ready on " + broker.bootstrapServers());
        stopped.await();
    }
}
