package dev.archipelago.cli.context;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a {@code .containerignore} (read first, as buildah and podman do) or {@code .dockerignore}
 * leaves out of a build context, with Docker's rules: one pattern a line, {@code #} comments, paths
 * relative to the context root (a leading {@code /} is dropped), {@code *} and {@code ?} within a
 * path segment, {@code **} across segments, {@code [...]} classes, {@code \} escapes; a pattern
 * that matches a folder leaves out everything in it; a {@code !} pattern takes back what earlier
 * ones left out; the last pattern that matches decides.
 */
public final class IgnoreRules {

    private record Rule(Pattern pattern, boolean exception) {
    }

    private final List<Rule> rules;
    private final String source;

    private IgnoreRules(List<Rule> rules, String source) {
        this.rules = List.copyOf(rules);
        this.source = source;
    }

    /** The rules of the directory's {@code .containerignore}, else its {@code .dockerignore}, else none. */
    public static IgnoreRules of(Path directory) throws IOException {
        for (String name : List.of(".containerignore", ".dockerignore")) {
            Path file = directory.resolve(name);
            if (Files.isRegularFile(file)) {
                return parse(Files.readAllLines(file, StandardCharsets.UTF_8), name);
            }
        }
        return new IgnoreRules(List.of(), null);
    }

    public static IgnoreRules parse(List<String> lines, String source) {
        List<Rule> rules = new ArrayList<>();
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            boolean exception = line.startsWith("!");
            if (exception) {
                line = line.substring(1).strip();
            }
            String cleaned = clean(line);
            if (cleaned.isEmpty()) {
                continue;
            }
            rules.add(new Rule(Pattern.compile(toRegex(cleaned)), exception));
        }
        return new IgnoreRules(rules, source);
    }

    /** The file the rules came from ({@code .dockerignore}), or null. */
    public String source() {
        return source;
    }

    /**
     * Whether the path (relative, '/'-separated) is left out: the last pattern that matches it or a folder above it decides.
     */
    public boolean excludes(String path) {
        boolean excluded = false;
        for (Rule rule : rules) {
            if (matchesItselfOrAParent(rule.pattern(), path)) {
                excluded = !rule.exception();
            }
        }
        return excluded;
    }

    /** Whether a {@code !} pattern may take something back, so that even a left-out folder must be walked. */
    public boolean hasExceptions() {
        return rules.stream().anyMatch(Rule::exception);
    }

    private static boolean matchesItselfOrAParent(Pattern pattern, String path) {
        if (pattern.matcher(path).matches()) {
            return true;
        }
        for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
            if (pattern.matcher(path.substring(0, slash)).matches()) {
                return true;
            }
        }
        return false;
    }

    /** Like Go's filepath.Clean on a relative path: no leading "/", no "." parts, ".." resolved, no trailing "/". */
    private static String clean(String pattern) {
        List<String> parts = new ArrayList<>();
        for (String part : pattern.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!parts.isEmpty()) {
                    parts.remove(parts.size() - 1);
                }
                continue;
            }
            parts.add(part);
        }
        return String.join("/", parts);
    }

    private static String toRegex(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            switch (c) {
                case '*' -> {
                    if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
                        i++;
                        if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '/') {
                            i++;
                            regex.append("(?:.*/)?"); // "**/" : any folders, or none
                        } else {
                            regex.append(".*"); // "**" : anything, across folders
                        }
                    } else {
                        regex.append("[^/]*");
                    }
                }
                case '?' -> regex.append("[^/]");
                case '[' -> {
                    int end = pattern.indexOf(']', i + 1);
                    if (end < 0) {
                        regex.append("\\[");
                    } else {
                        String set = pattern.substring(i + 1, end);
                        regex.append('[').append(set.startsWith("^") || set.startsWith("!") ? "^" + set.substring(1) : set)
                                .append(']');
                        i = end;
                    }
                }
                case '\\' -> {
                    if (i + 1 < pattern.length()) {
                        regex.append(Pattern.quote(String.valueOf(pattern.charAt(++i))));
                    }
                }
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return regex.toString();
    }
}
