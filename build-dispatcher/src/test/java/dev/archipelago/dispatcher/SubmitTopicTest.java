package dev.archipelago.dispatcher;

import dev.archipelago.model.messaging.Topics;
import dev.archipelago.testsupport.GitFixture;
import dev.archipelago.testsupport.KafkaBrokerResource;
import dev.archipelago.testsupport.KafkaTestClient;
import dev.archipelago.testsupport.PostgresDatabaseResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static dev.archipelago.model.Platform.LINUX_AMD64;
import static dev.archipelago.model.Platform.LINUX_PPC64LE;
import static org.assertj.core.api.Assertions.assertThat;

/** Builds submitted as records on archipelago.builds.submit, by producers that never call HTTP. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(PostgresDatabaseResource.class)
class SubmitTopicTest {

    private static GitFixture git;
    private static KafkaTestClient kafka;

    @BeforeAll
    static void setUp() {
        git = DispatcherFixture.repository();
        kafka = KafkaTestClient.forSharedBroker();
    }

    @AfterAll
    static void tearDown() {
        kafka.close();
        git.close();
    }

    @Test
    void aSubmittedRecordIsHandledLikeThePostAndMakesOneBuild() {
        String repository = "127.0.0.1:5000/submit-" + UUID.randomUUID().toString().substring(0, 8);
        String body = DispatcherFixture.tutorialRequest(git.url()).replace("127.0.0.1:5000/demos", repository);

        kafka.send(Topics.SUBMIT, "client-key", body);

        List<KafkaTestClient.Received> amd64 = kafka.read(Topics.requestsFor(LINUX_AMD64),
                r -> r.value().contains(repository), 1, Duration.ofSeconds(30));
        assertThat(amd64).hasSize(1);
        String buildId = amd64.get(0).key();
        assertThat(kafka.read(Topics.requestsFor(LINUX_PPC64LE), r -> buildId.equals(r.key()), 1, Duration.ofSeconds(30))).hasSize(1);
        assertThat(amd64.get(0).value()).contains(git.head());
        io.restassured.RestAssured.given().get("/api/builds/" + buildId).then().statusCode(200);
    }

    @Test
    void invalidRecordsGoToTheDeadLetterQueueWithTheReasonAndTheConsumerGoesOn() {
        String marker = UUID.randomUUID().toString();
        String invalid = DispatcherFixture.tutorialRequest(git.url()).replace("\"ppc64el\"", "\"ppc64el\", \"sparc-" + marker + "\"");
        kafka.send(Topics.SUBMIT, "bad-" + marker, invalid);
        kafka.send(Topics.SUBMIT, "garbage-" + marker, new byte[]{(byte) 0xff, 0x00, 0x13});
        String repository = "127.0.0.1:5000/after-" + marker.substring(0, 8);
        kafka.send(Topics.SUBMIT, "good-" + marker, DispatcherFixture.tutorialRequest(git.url()).replace("127.0.0.1:5000/demos", repository));

        List<KafkaTestClient.Received> dead = kafka.read(Topics.DLQ,
                r -> r.key() != null && r.key().endsWith(marker), 2, Duration.ofSeconds(30));

        assertThat(dead).hasSize(2);
        assertThat(dead).filteredOn(r -> r.key().startsWith("bad-")).singleElement()
                .satisfies(r -> assertThat(r.header(Topics.DLQ_REASON_HEADER)).contains("unknown platform 'sparc-" + marker + "'"));
        assertThat(dead).filteredOn(r -> r.key().startsWith("garbage-")).singleElement()
                .satisfies(r -> assertThat(r.header(Topics.DLQ_REASON_HEADER)).contains("malformed JSON"));
        assertThat(kafka.read(Topics.requestsFor(LINUX_AMD64), r -> r.value().contains(repository), 1, Duration.ofSeconds(30)))
                .as("a valid record after the bad ones is still processed").hasSize(1);
    }
}
