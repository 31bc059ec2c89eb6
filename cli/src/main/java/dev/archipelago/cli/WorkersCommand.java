package dev.archipelago.cli;

import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code archipelago workers}: every worker the dispatcher has heard from. */
@Command(name = "workers", mixinStandardHelpOptions = true, description = "Lists the workers: platform, native or emulated, load, live.")
final class WorkersCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() {
        JsonNode workers = common.client().workers();
        System.out.println(
                String.format("%-28s  %-15s  %-8s  %-10s  %-7s  %s", "WORKER", "PLATFORM", "EMULATED", "EXECUTOR", "BUILDS",
                        "LIVE"));
        for (JsonNode worker : workers) {
            System.out.println(String.format("%-28s  %-15s  %-8s  %-10s  %-7s  %s", worker.path("workerId").asText(),
                    worker.path("platform").asText(), worker.path("emulated").asBoolean() ? "yes" : "no",
                    worker.path("executor").asText(), worker.path("inFlight").asInt() + "/" + worker.path("capacity").asInt(),
                    worker.path("live").asBoolean() ? "live" : "stale since " + worker.path("lastSeen").asText()));
        }
        return ExitCodes.OK;
    }
}
