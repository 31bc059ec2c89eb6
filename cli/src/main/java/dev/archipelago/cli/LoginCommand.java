package dev.archipelago.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code archipelago login}: checks a token against the API and keeps the API's address and the
 * token in the config file, readable by its owner only.
 */
@Command(name = "login", mixinStandardHelpOptions = true, description = "Saves the API's address and a token (checked first) to the config file, mode 600.")
final class LoginCommand implements Callable<Integer> {

    @Option(names = "--api", paramLabel = "URL", description = "the dispatcher's URL (default: the one saved, or http://localhost:8080)")
    String api;

    @Option(names = "--token-stdin", description = "read the token from standard input instead of asking for it")
    boolean tokenFromStdin;

    @Override
    public Integer call() throws IOException {
        Settings current = Settings.load(System.getenv());
        String url = api != null ? Settings.checkedApi(api) : current.api();
        String token = tokenFromStdin ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine()
                : ask();
        if (token == null || token.isBlank()) {
            throw CliException.refused("no token given: pass it on standard input with --token-stdin, or type it when asked");
        }
        token = token.strip();
        new DispatcherClient(url, token).workers();
        Path file = Settings.configFile(System.getenv());
        Settings.save(file, url, token);
        System.out.println("logged in to " + url + "; saved to " + file + " (mode 600)");
        return ExitCodes.OK;
    }

    private static String ask() {
        Console console = System.console();
        if (console == null) {
            throw CliException.refused("no terminal to ask for the token on: pass it with --token-stdin");
        }
        char[] typed = console.readPassword("API token: ");
        return typed == null ? null : new String(typed);
    }
}
