package dev.archipelago.cli;

import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code archipelago status ID}: where a build is; {@code --follow} shows it to its end like {@code build}. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Shows a build: its platforms, its index or why it failed.")
final class StatusCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Option(names = "--follow", description = "follow the build to its end (exit code as for build)")
    boolean follow;

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto", description = "with --follow: auto, tty, plain or json")
    String progressMode;

    @Parameters(paramLabel = "ID", description = "the build's id")
    String id;

    @Override
    public Integer call() {
        DispatcherClient api = common.client();
        if (follow) {
            return new BuildFollower(api, BuildCommand.progress(progressMode)).follow(id);
        }
        JsonNode build = api.build(id);
        Views.printBuild(build, System.out);
        return switch (build.path("state").asText()) {
            case "FAILED" -> ExitCodes.FAILED;
            case "CANCELLED" -> ExitCodes.CANCELLED;
            default -> ExitCodes.OK;
        };
    }
}
