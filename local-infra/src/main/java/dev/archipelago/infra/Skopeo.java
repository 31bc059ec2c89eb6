package dev.archipelago.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Looks at images from outside the system, as a person would: {@code skopeo inspect} against a plain-HTTP registry. */
public final class Skopeo {

    private Skopeo() {
    }

    /** {@code skopeo inspect [options] docker://<reference>}, parsed; options such as {@code --raw} or {@code --config}. */
    public static JsonNode inspect(String reference, String... options) {
        List<String> command = new ArrayList<>(List.of(Tools.skopeo().toString(), "inspect", "--tls-verify=false"));
        command.addAll(List.of(options));
        command.add("docker://" + reference);
        String output = Processes.run(Duration.ofSeconds(60), null, Map.of(), command).orThrow().stdout();
        try {
            return new ObjectMapper().readTree(output);
        } catch (IOException e) {
            throw new UncheckedIOException("skopeo printed no JSON for " + reference + ": " + e.getMessage(), e);
        }
    }

    /** The exact bytes of a manifest or index, as the registry serves them. */
    public static byte[] raw(String reference) {
        return Processes.run(Duration.ofSeconds(60), Tools.skopeo().toString(), "inspect", "--tls-verify=false", "--raw",
                "docker://" + reference).orThrow().stdout().getBytes(StandardCharsets.UTF_8);
    }
}
