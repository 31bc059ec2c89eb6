package dev.archipelago.worker.reuse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The images a Dockerfile's FROM lines name, with the build arguments substituted as buildah
 * would: the {@code ARG} lines before the first FROM give defaults, the request's arguments
 * override them. A FROM that names an earlier stage or {@code scratch} names no image.
 */
final class DockerfileBases {

    /** One FROM line: the image it names (absent for a stage or scratch), and its {@code --platform} flag. */
    record From(String text, Optional<String> image, Optional<String> platformFlag) {
    }

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}|\\$([A-Za-z_][A-Za-z0-9_]*)");

    private DockerfileBases() {
    }

    /**
     * The FROM lines in order; empty when a FROM uses a variable with no value or a form this
     * reading does not know, so that the caller builds instead of guessing.
     */
    static Optional<List<From>> parse(String dockerfile, Map<String, String> buildArgs) {
        Map<String, String> globals = new HashMap<>();
        Set<String> stages = new HashSet<>();
        List<From> froms = new ArrayList<>();
        for (String line : instructions(dockerfile)) {
            String[] words = line.trim().split("\\s+");
            String instruction = words[0].toUpperCase(Locale.ROOT);
            if (instruction.equals("ARG") && froms.isEmpty()) {
                for (int i = 1; i < words.length; i++) {
                    String[] pair = words[i].split("=", 2);
                    String value = buildArgs.containsKey(pair[0]) ? buildArgs.get(pair[0])
                            : pair.length == 2 ? unquote(pair[1]) : null;
                    if (value != null) {
                        globals.put(pair[0], value);
                    }
                }
            } else if (instruction.equals("FROM")) {
                String platform = null;
                int i = 1;
                while (i < words.length && words[i].startsWith("--")) {
                    if (words[i].startsWith("--platform=")) {
                        platform = words[i].substring("--platform=".length());
                    } else {
                        return Optional.empty();
                    }
                    i++;
                }
                if (i >= words.length) {
                    return Optional.empty();
                }
                Optional<String> image = substitute(words[i], globals);
                if (image.isEmpty()) {
                    return Optional.empty();
                }
                String name = image.get();
                boolean noImage = name.equalsIgnoreCase("scratch") || stages.contains(name.toLowerCase(Locale.ROOT));
                if (i + 2 < words.length && words[i + 1].equalsIgnoreCase("AS")) {
                    stages.add(words[i + 2].toLowerCase(Locale.ROOT));
                }
                froms.add(new From(line.trim(), noImage ? Optional.empty() : Optional.of(name), Optional.ofNullable(platform)));
            }
        }
        return Optional.of(froms);
    }

    /** The Dockerfile's instructions: comments dropped, continued lines joined. */
    private static List<String> instructions(String dockerfile) {
        List<String> lines = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String raw : dockerfile.split("\r?\n")) {
            String line = raw.strip();
            if (current.isEmpty() && (line.isEmpty() || line.startsWith("#"))) {
                continue;
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
            } else {
                current.append(line);
                lines.add(current.toString());
                current.setLength(0);
            }
        }
        if (!current.isEmpty()) {
            lines.add(current.toString());
        }
        return lines;
    }

    private static Optional<String> substitute(String text, Map<String, String> values) {
        Matcher matcher = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String name = matcher.group(1) != null ? matcher.group(1) : matcher.group(2);
            String value = values.get(name);
            if (value == null) {
                return Optional.empty();
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        matcher.appendTail(out);
        String result = out.toString();
        return result.isEmpty() || result.contains("$") ? Optional.empty() : Optional.of(result);
    }

    private static String unquote(String value) {
        if (value.length() >= 2
                && (value.startsWith("\"") && value.endsWith("\"") || value.startsWith("'") && value.endsWith("'"))) {
            return value.substring(1, value.length() - 1);
        }
        return value;
    }
}
