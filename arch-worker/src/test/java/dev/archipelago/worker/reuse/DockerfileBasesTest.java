package dev.archipelago.worker.reuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** Which images a Dockerfile's FROM lines name, as the build key resolves them. */
class DockerfileBasesTest {

    @Test
    void buildArgumentsOverrideTheDefaultsOfTheArgLinesBeforeTheFirstFrom() {
        String dockerfile = """
                # a comment
                ARG REGISTRY=quay.io
                ARG BASE=org/python:3.12
                FROM ${REGISTRY}/$BASE
                RUN true
                """;
        assertThat(images(DockerfileBases.parse(dockerfile, Map.of()))).containsExactly("quay.io/org/python:3.12");
        assertThat(images(DockerfileBases.parse(dockerfile, Map.of("BASE", "org/python:3.13"))))
                .containsExactly("quay.io/org/python:3.13");
    }

    @Test
    void stagesAndScratchNameNoImageAndFlagsAreKept() {
        String dockerfile = """
                FROM --platform=$BUILDPLATFORM golang:1.22 AS build
                RUN go build \\
                    -o /app
                from scratch
                COPY --from=build /app /app
                FROM build AS test
                """;
        List<DockerfileBases.From> froms = DockerfileBases.parse(dockerfile, Map.of()).orElseThrow();
        assertThat(froms).hasSize(3);
        assertThat(froms.get(0).image()).contains("golang:1.22");
        assertThat(froms.get(0).platformFlag()).contains("$BUILDPLATFORM");
        assertThat(froms.get(1).image()).isEmpty();
        assertThat(froms.get(2).image()).as("a stage named earlier").isEmpty();
    }

    @Test
    void aVariableWithoutValueOrAnUnknownFlagGivesNoAnswer() {
        assertThat(DockerfileBases.parse("ARG BASE\nFROM ${BASE}\n", Map.of())).isEmpty();
        assertThat(DockerfileBases.parse("FROM --unknown=1 debian:12\n", Map.of())).isEmpty();
        assertThat(DockerfileBases.parse("FROM\n", Map.of())).isEmpty();
    }

    private static List<String> images(Optional<List<DockerfileBases.From>> froms) {
        return froms.orElseThrow().stream().map(f -> f.image().orElse("-")).toList();
    }
}
