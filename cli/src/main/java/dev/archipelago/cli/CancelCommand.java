package dev.archipelago.cli;

import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code archipelago cancel ID}. */
@Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancels a build that has not ended (not one that is ASSEMBLING).")
final class CancelCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Parameters(paramLabel = "ID", description = "the build's id")
    String id;

    @Override
    public Integer call() {
        JsonNode build = common.client().cancel(id);
        System.out.println("build " + id + " " + build.path("state").asText());
        return ExitCodes.OK;
    }
}
