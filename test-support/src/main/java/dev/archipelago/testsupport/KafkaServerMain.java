package dev.archipelago.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the KRaft broker as a process of its own, for the local stack and the end-to-end tests:
 * {@code java -cp <test-support classpath> dev.archipelago.testsupport.KafkaServerMain <port>
 * <controller port> <data dir>}. Keeps its data across restarts; stops on SIGTERM.
 */
public final class KafkaServerMain {

    private KafkaServerMain() {
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
        System.out.println("kafka ready on " + broker.bootstrapServers());
        stopped.await();
    }
}
