package dev.archipelago.cli;

import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code archipelago logs ID}: the log tail the API keeps of each platform that failed. */
@Command(name = "logs", mixinStandardHelpOptions = true, description = "Prints the last lines of the build log of each failed platform (what the API keeps).")
final class LogsCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Parameters(paramLabel = "ID", description = "the build's id")
    String id;

    @Override
    public Integer call() {
        JsonNode build = common.client().build(id);
        boolean any = false;
        for (JsonNode platform : build.path("platforms")) {
            JsonNode error = platform.path("error");
            if (error.isMissingNode() || error.isNull()) {
                continue;
            }
            any = true;
            System.out.println("== " + platform.path("platform").asText() + "  " + error.path("code").asText() + ": "
                    + error.path("message").asText());
            error.path("logTail").forEach(line -> System.out.println(line.asText()));
        }
        if (!any) {
            System.out.println("build " + id + " is " + build.path("state").asText()
                    + "; no platform failed, so there is no log "
                    + "tail: the API keeps the last lines of a failed platform's log, the worker's own log has the rest");
        }
        return ExitCodes.OK;
    }
}
