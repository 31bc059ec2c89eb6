package dev.archipelago.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

import dev.archipelago.infra.Buildah;
import dev.archipelago.infra.Processes;
import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.infra.Skopeo;
import dev.archipelago.model.Platform;
import dev.archipelago.model.events.ArchBuildEvent;

/**
 * Build-key reuse through the real parts: a new commit whose context is unchanged builds nothing
 * (the workers' results say reused, with no build stage, and the registry receives no layer; the
 * API and {@code archipelago status} say reused and from which build), its tags carry its own
 * labels over the first build's layers; a base that moves for one platform
 * rebuilds only that platform; {@code rebuild: true} builds both.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BuildReuseTest {

    @RegisterExtension
    static final RunningStack running = new RunningStack("archipelago-reuse");

    private static final List<Platform> BOTH = List.of(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE);
    private static ScratchGitRepository app;
    private static String base;
    private static String repository;
    private static String firstBuild;

    @BeforeAll
    static void appOnAMovableBase() {
        String registry = running.stack().registryHost();
        base = registry + "/base/movable:1";
        try (Buildah buildah = Buildah.isolated()) {
            buildah.run("manifest", "create", "localhost/movable");
            for (Platform platform : BOTH) {
                buildah.run("manifest", "add", "--tls-verify=false", "localhost/movable",
                        "docker://" + registry + "/base/busybox:stable-" + platform.tagSafeName());
            }
            buildah.run("manifest", "push", "--all", "--tls-verify=false", "--format", "oci", "localhost/movable",
                    "docker://" + base);
        }
        repository = registry + "/demos/reused";
        app = ScratchGitRepository.create();
        app.write("README.md", "outside the context\n")
                .write("app/hello.sh", "#!/bin/sh\necho \"Hello from $(uname -m)\"\n")
                .write("app/Dockerfile", """
                        ARG BASE
                        FROM ${BASE}
                        COPY hello.sh /usr/local/bin/hello
                        RUN chmod +x /usr/local/bin/hello && echo "built on $(uname -m)" > /etc/built-on
                        """)
                .commit("app");
    }

    @AfterAll
    static void removeApp() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    @Order(1)
    void theFirstBuildBuildsAndRecordsItsKey() {
        JsonNode build = build("v1", false);
        firstBuild = build.path("id").asText();
        BuildEvidence evidence = evidence(build, "v1");
        evidence.assertSucceededOnce(build, BOTH);
        for (ArchBuildEvent result : succeeded(evidence)) {
            assertThat(result.reused()).isFalse();
            assertThat(result.durations().buildMs()).isPositive();
        }
        for (Platform platform : BOTH) {
            JsonNode labels = Skopeo.inspect(repository + ":v1-" + platform.tagSafeName()).path("Labels");
            assertThat(labels.path("dev.archipelago.build-key").asText()).matches("[0-9a-f]{64}");
            String keyTag = "archipelago-key-" + labels.path("dev.archipelago.build-key").asText();
            assertThat(Skopeo.inspect(repository + ":" + keyTag).path("Digest").asText()).as("the key's tag")
                    .isEqualTo(Skopeo.inspect(repository + ":v1-" + platform.tagSafeName()).path("Digest").asText());
        }
    }

    @Test
    @Order(2)
    void aNewCommitOfUnchangedContextBuildsNothingAndCarriesItsOwnLabels() {
        app.write("README.md", "changed, but outside the context\n").commit("docs only");
        int logBefore = running.stack().registry().logLines().size();

        JsonNode build = build("v2", false);

        BuildEvidence evidence = evidence(build, "v2");
        evidence.assertSucceededOnce(build, BOTH);
        for (ArchBuildEvent result : succeeded(evidence)) {
            assertThat(result.reused()).as("%s", result.platform()).isTrue();
            assertThat(result.reusedFrom()).isEqualTo(firstBuild);
            assertThat(result.durations().buildMs()).as("buildah did not run").isZero();
            assertThat(result.durations().verifyMs()).isZero();
        }
        for (JsonNode platform : build.path("platforms")) {
            assertThat(platform.path("reused").asBoolean()).as(build.toString()).isTrue();
            assertThat(platform.path("reusedFrom").asText()).isEqualTo(firstBuild);
        }
        List<String> uploads = running.stack().registry().logLines().subList(logBefore,
                running.stack().registry().logLines().size()).stream()
                .filter(l -> l.contains("\"PUT /v2/demos/reused/blobs/uploads/")).toList();
        assertThat(uploads).as("one new config per platform, and no layer").hasSizeLessThanOrEqualTo(2);
        String commit = build.path("commit").asText();
        for (Platform platform : BOTH) {
            JsonNode first = Skopeo.inspect(repository + ":v1-" + platform.tagSafeName());
            JsonNode reused = Skopeo.inspect(repository + ":v2-" + platform.tagSafeName());
            assertThat(reused.path("Layers")).isEqualTo(first.path("Layers"));
            assertThat(reused.path("Digest").asText()).isNotEqualTo(first.path("Digest").asText());
            assertThat(reused.path("Architecture").asText()).isEqualTo(platform.architecture());
            assertThat(reused.path("Labels").path("org.opencontainers.image.revision").asText()).isEqualTo(commit);
            assertThat(reused.path("Labels").path("dev.archipelago.build-id").asText())
                    .isEqualTo(build.path("id").asText());
            assertThat(reused.path("Labels").path("team").asText()).isEqualTo("platform");
        }
        Processes.Result status = Processes.run(Duration.ofSeconds(60), null, running.stack().cliEnvironment(),
                running.stack().cli("status", build.path("id").asText()));
        assertThat(status.stdout()).as(status.stdout() + status.stderr())
                .containsPattern("linux/amd64 +SUCCEEDED +sha256:[0-9a-f]{64}  reused from build " + firstBuild)
                .containsPattern("linux/ppc64le +SUCCEEDED +sha256:[0-9a-f]{64}  reused from build " + firstBuild);
        JsonNode index = Skopeo.inspect(repository + ":v2", "--raw");
        assertThat(StreamSupport.stream(index.path("manifests").spliterator(), false).map(m -> m.path("digest").asText()))
                .containsExactlyInAnyOrder(build.path("platforms").get(0).path("digest").asText(),
                        build.path("platforms").get(1).path("digest").asText());
    }

    @Test
    @Order(3)
    void aBaseThatMovedForOnePlatformRebuildsOnlyThatPlatform() throws Exception {
        String registry = running.stack().registryHost();
        try (Buildah buildah = Buildah.isolated()) {
            Path context = Files.createTempDirectory("moved-base");
            Files.writeString(context.resolve("Dockerfile"),
                    "FROM " + registry + "/base/busybox:stable-ppc64le\nRUN echo moved > /etc/moved\n");
            buildah.run("build", "--isolation", "chroot", "--tls-verify=false", "--platform", "linux/ppc64le", "-t",
                    "localhost/moved:ppc64le", context.toString());
            buildah.push("localhost/moved:ppc64le", registry + "/base/busybox:moved-ppc64le", "oci");
            buildah.run("manifest", "create", "localhost/movable-2");
            buildah.run("manifest", "add", "--tls-verify=false", "localhost/movable-2",
                    "docker://" + registry + "/base/busybox:stable-amd64");
            buildah.run("manifest", "add", "--tls-verify=false", "localhost/movable-2",
                    "docker://" + registry + "/base/busybox:moved-ppc64le");
            buildah.run("manifest", "push", "--all", "--tls-verify=false", "--format", "oci", "localhost/movable-2",
                    "docker://" + base);
        }
        app.write("README.md", "a third commit, same context\n").commit("docs again");

        JsonNode build = build("v3", false);

        evidence(build, "v3").assertSucceededOnce(build, BOTH);
        Map<String, Boolean> reused = Map.of(
                build.path("platforms").get(0).path("platform").asText(),
                build.path("platforms").get(0).path("reused").asBoolean(),
                build.path("platforms").get(1).path("platform").asText(),
                build.path("platforms").get(1).path("reused").asBoolean());
        assertThat(reused).as(build.toString()).isEqualTo(Map.of("linux/amd64", true, "linux/ppc64le", false));
        assertThat(Skopeo.inspect(repository + ":v3-ppc64le").path("Layers"))
                .isNotEqualTo(Skopeo.inspect(repository + ":v1-ppc64le").path("Layers"));
    }

    @Test
    @Order(4)
    void rebuildTrueBuildsEveryPlatform() {
        JsonNode build = build("v4", true);

        BuildEvidence evidence = evidence(build, "v4");
        evidence.assertSucceededOnce(build, BOTH);
        for (ArchBuildEvent result : succeeded(evidence)) {
            assertThat(result.reused()).as("%s", result.platform()).isFalse();
            assertThat(result.durations().buildMs()).isPositive();
        }
        assertThat(evidence.requests()).allMatch(r -> r.rebuildAsked());
        for (JsonNode platform : build.path("platforms")) {
            assertThat(platform.path("reused").asBoolean()).isFalse();
        }
    }

    private static JsonNode build(String tag, boolean rebuild) {
        String id = running.api().submit("""
                {"source": {"git": "%s", "ref": "main", "contextDir": "app"},
                 "image": {"repository": "%s", "tag": "%s", "supplyChain": {"provenance": false, "sbom": false,
                           "signatures": false}},
                 "platforms": ["linux/amd64", "linux/ppc64le"], "allowEmulation": true,
                 "buildArgs": {"BASE": "%s"}, "labels": {"team": "platform"}, "rebuild": %s,
                 "timeoutSeconds": 600}""".formatted(app.url(), repository, tag, base, rebuild));
        JsonNode build = running.api().follow(id, Duration.ofMinutes(5), System.out::println);
        assertThat(build.path("state").asText()).as(build.toString()).isEqualTo("SUCCEEDED");
        return build;
    }

    private static BuildEvidence evidence(JsonNode build, String tag) {
        return BuildEvidence.of(running.stack(), build.path("id").asText(), repository, tag);
    }

    private static List<ArchBuildEvent> succeeded(BuildEvidence evidence) {
        List<ArchBuildEvent> results = evidence.results().stream()
                .filter(r -> r.type() == ArchBuildEvent.Type.SUCCEEDED).toList();
        assertThat(results).hasSize(2);
        return results;
    }
}
