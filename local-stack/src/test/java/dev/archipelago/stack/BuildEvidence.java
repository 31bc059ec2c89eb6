package dev.archipelago.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dev.archipelago.model.Platform;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.BuildOutcome;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.model.messaging.Topics;
import dev.archipelago.testsupport.KafkaTestClient;

/**
 * What the topics and the registry say about one build, decoded, for the scenario tests'
 * assertions: each event is matched by its own fields (its platform, its type), never by a
 * substring that every event of the build carries.
 */
record BuildEvidence(String buildId, List<ArchBuildRequest> requests, List<ArchBuildEvent> results,
        List<BuildOutcome> outcomes, long indexPuts) {

    /** Reads the build's requests, results and outcomes from the stack's broker and counts its index PUTs. */
    static BuildEvidence of(LocalStack stack, String buildId, String repository, String indexTag) {
        try (KafkaTestClient kafka = new KafkaTestClient("127.0.0.1:" + stack.ports().kafka())) {
            List<ArchBuildRequest> requests = Platform.supported().stream()
                    .flatMap(p -> kafka.readUntilEnd(Topics.requestsFor(p), r -> buildId.equals(r.key())
                            && !Topics.TYPE_BUILD_CANCEL.equals(r.header(Topics.RECORD_TYPE_HEADER))).stream())
                    .map(r -> EventJson.decode(r.value().getBytes(StandardCharsets.UTF_8), ArchBuildRequest.class)).toList();
            List<ArchBuildEvent> results = kafka.readUntilEnd(Topics.RESULTS, r -> buildId.equals(r.key())
                    && !Topics.TYPE_BUILD_CANCEL.equals(r.header(Topics.RECORD_TYPE_HEADER))).stream()
                    .map(r -> EventJson.decode(r.value().getBytes(StandardCharsets.UTF_8), ArchBuildEvent.class)).toList();
            List<BuildOutcome> outcomes = kafka.readUntilEnd(Topics.OUTCOMES, r -> buildId.equals(r.key())).stream()
                    .map(r -> EventJson.decode(r.value().getBytes(StandardCharsets.UTF_8), BuildOutcome.class)).toList();
            return new BuildEvidence(buildId, requests, results, outcomes, indexPuts(stack, repository, indexTag));
        }
    }

    /** The PUTs of {@code repository:tag} in the registry's access log (it survives the registry's restarts). */
    static long indexPuts(LocalStack stack, String repository, String tag) {
        String path = "/v2/" + repository.substring(repository.indexOf('/') + 1) + "/manifests/" + tag + " ";
        return stack.registry().logLines().stream().filter(line -> line.contains("\"PUT " + path)).count();
    }

    /**
     * The build ended SUCCEEDED in the API with every platform SUCCEEDED; each platform has a
     * request and a SUCCEEDED result of its own on the topics; every outcome is INDEX_PUSHED and
     * the registry saw exactly one PUT of the index tag.
     */
    void assertSucceededOnce(JsonNode view, List<Platform> platforms) {
        assertThat(view.path("state").asText()).as(view.toString()).isEqualTo("SUCCEEDED");
        for (JsonNode platform : view.path("platforms")) {
            assertThat(platform.path("state").asText()).as(view.toString()).isEqualTo("SUCCEEDED");
        }
        for (Platform platform : platforms) {
            assertThat(requests).as("requests of %s", buildId).anyMatch(r -> r.platform().equals(platform));
            assertThat(results).as("results of %s", buildId)
                    .anyMatch(r -> r.platform().equals(platform) && r.type() == ArchBuildEvent.Type.SUCCEEDED);
        }
        assertThat(outcomes).as("outcomes of %s", buildId).isNotEmpty()
                .allMatch(o -> o.type() == BuildOutcome.Type.INDEX_PUSHED);
        assertThat(indexPuts).as("index PUTs of %s", buildId).isEqualTo(1);
    }

    /** The FAILED result of one platform, which must exist. */
    ArchBuildEvent failedResult(Platform platform) {
        return results.stream().filter(r -> r.platform().equals(platform) && r.type() == ArchBuildEvent.Type.FAILED)
                .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no FAILED result of " + platform + " for " + buildId
                        + " among " + results));
    }
}
