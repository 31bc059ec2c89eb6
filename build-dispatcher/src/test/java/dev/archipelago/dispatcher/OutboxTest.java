package dev.archipelago.dispatcher;

import static dev.archipelago.model.Platform.LINUX_AMD64;
import static dev.archipelago.model.Platform.LINUX_PPC64LE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.archipelago.infra.KafkaBroker;
import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.model.messaging.Topics;
import dev.archipelago.testsupport.KafkaBrokerResource;
import dev.archipelago.testsupport.KafkaTestClient;
import dev.archipelago.testsupport.PostgresDatabaseResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** A build accepted while the broker is away is published when it is back: nothing accepted is lost. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(PostgresDatabaseResource.class)
@WithTestResource(GitRepositoryResource.class)
class OutboxTest {

    @InjectGitRepository
    ScratchGitRepository git;

    @Test
    void requestsAcceptedWhileTheBrokerIsDownArePublishedWhenItIsBack() {
        KafkaBroker broker = KafkaBrokerResource.broker();
        long unsentBefore = Counts.unsentOutbox();
        broker.stop();
        String id;
        try {
            id = DispatcherFixture.submitOk(DispatcherFixture.tutorialRequest(git.url()));
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                    .until(() -> Counts.unsentOutbox() >= unsentBefore + 2);
        } finally {
            broker.start();
        }

        try (KafkaTestClient kafka = KafkaTestClient.forSharedBroker()) {
            assertThat(kafka.read(Topics.requestsFor(LINUX_AMD64), r -> id.equals(r.key()), 1, Duration.ofSeconds(90)))
                    .hasSize(1);
            assertThat(kafka.read(Topics.requestsFor(LINUX_PPC64LE), r -> id.equals(r.key()), 1, Duration.ofSeconds(30)))
                    .hasSize(1);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> Counts.unsentOutbox() == unsentBefore);
    }
}
