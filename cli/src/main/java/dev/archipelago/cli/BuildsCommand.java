package dev.archipelago.cli;

import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code archipelago builds}: the newest builds, one a line. */
@Command(name = "builds", mixinStandardHelpOptions = true, description = "Lists recent builds, newest first.")
final class BuildsCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Option(names = "--state", paramLabel = "STATE", description = "QUEUED, BUILDING, ASSEMBLING, SUCCEEDED, FAILED or CANCELLED")
    String state;

    @Option(names = "--repository", paramLabel = "REGISTRY/REPO", description = "only builds of this repository")
    String repository;

    @Option(names = "--limit", defaultValue = "20", description = "how many (1 to 200, default ${DEFAULT-VALUE})")
    int limit;

    @Override
    public Integer call() {
        JsonNode builds = common.client().builds(state, repository == null ? limit : 200);
        int shown = 0;
        System.out.println(String.format("%-36s  %-10s  %-9s  %s", "ID", "STATE", "SOURCE", "IMAGE"));
        for (JsonNode build : builds) {
            String image = build.path("image").path("repository").asText() + ":" + build.path("image").path("tag").asText();
            if (repository != null && !build.path("image").path("repository").asText().equals(repository)) {
                continue;
            }
            if (shown++ >= limit) {
                break;
            }
            System.out.println(String.format("%-36s  %-10s  %-9s  %s", build.path("id").asText(), build.path("state").asText(),
                    Views.shortSource(build), image));
        }
        return ExitCodes.OK;
    }
}
