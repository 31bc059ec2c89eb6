package dev.archipelago.cli;

import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;

import dev.archipelago.cli.progress.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code archipelago retry ID}: builds again the platforms of a FAILED build that did not succeed, then follows it. */
@Command(name = "retry", mixinStandardHelpOptions = true, description = "Builds again only the failed platforms of a FAILED build.")
final class RetryCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Option(names = "--detach", description = "do not follow the build")
    boolean detach;

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto", description = "auto, tty, plain or json")
    String progressMode;

    @Parameters(paramLabel = "ID", description = "the build's id")
    String id;

    @Override
    public Integer call() {
        DispatcherClient api = common.client();
        JsonNode build = api.retry(id);
        Progress progress = BuildCommand.progress(progressMode);
        progress.note("build " + id + ": attempt " + build.path("attempt").asText() + " of the platforms that did not succeed");
        if (detach) {
            return ExitCodes.OK;
        }
        return new BuildFollower(api, progress).follow(id);
    }
}
