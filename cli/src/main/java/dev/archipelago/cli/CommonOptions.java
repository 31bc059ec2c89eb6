package dev.archipelago.cli;

import picocli.CommandLine.Option;

/** Where the API is, for every command that calls it; the environment and the config file fill in what is not given. */
final class CommonOptions {

    @Option(names = "--api", description = "the dispatcher's URL (else ARCHIPELAGO_API, the config file, http://localhost:8080)")
    String api;

    DispatcherClient client() {
        Settings settings = Settings.load(System.getenv());
        String url = api != null ? Settings.checkedApi(api) : settings.api();
        return new DispatcherClient(url, settings.requireToken());
    }
}
