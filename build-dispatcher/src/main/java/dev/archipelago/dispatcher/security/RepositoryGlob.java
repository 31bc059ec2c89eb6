package dev.archipelago.dispatcher.security;

import java.util.regex.Pattern;

/**
 * A repository pattern of an allowlist, matched against a full repository name such as
 * {@code quay.io/org/app}: {@code *} matches within one path segment, {@code **} across segments,
 * {@code ?} one character of a segment. Nothing else is special.
 */
public record RepositoryGlob(String pattern, Pattern regex) {

    public static RepositoryGlob of(String pattern) {
        String trimmed = pattern.strip();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("an empty repository pattern matches nothing; use ** to allow every repository");
        }
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < trimmed.length(); i++) {
            char c = trimmed.charAt(i);
            if (c == '*' && i + 1 < trimmed.length() && trimmed.charAt(i + 1) == '*') {
                regex.append(".*");
                i++;
            } else if (c == '*') {
                regex.append("[^/]*");
            } else if (c == '?') {
                regex.append("[^/]");
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return new RepositoryGlob(trimmed, Pattern.compile(regex.toString()));
    }

    public boolean matches(String repository) {
        return regex.matcher(repository).matches();
    }

    @Override
    public String toString() {
        return pattern;
    }
}
