package dev.archipelago.model;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Makes text that comes out of a build (its log, its error messages) safe to carry and store, once,
 * where it enters the contracts: what a terminal would show of a line (the part after its last
 * carriage return, without ANSI escape sequences), every other control character (NUL among them,
 * which PostgreSQL refuses in text) replaced by U+FFFD, lines cut to {@link #MAX_LINE} characters
 * and tails to {@link #MAX_LINES} lines. Invalid UTF-8 has already become U+FFFD when the bytes
 * were decoded. Whatever a build prints, its events can be encoded and stored.
 */
public final class SafeText {

    /** The most characters of one line that an event carries. */
    public static final int MAX_LINE = 2000;
    /** The most lines of a log tail that an event carries. */
    public static final int MAX_LINES = 200;

    private static final Pattern ANSI_ESCAPE = Pattern.compile("\u001B\\[[0-?]*[ -/]*[@-~]|\u001B[@-Z\\\\-_]");
    private static final char REPLACEMENT = '\uFFFD';

    private SafeText() {
    }

    /** One line as it is safe to carry; null stays null. */
    public static String line(String text) {
        if (text == null) {
            return null;
        }
        String shown = text;
        int lastReturn = shown.stripTrailing().lastIndexOf('\r');
        if (lastReturn >= 0) {
            shown = shown.substring(lastReturn + 1);
        }
        shown = ANSI_ESCAPE.matcher(shown).replaceAll("");
        StringBuilder safe = new StringBuilder(Math.min(shown.length(), MAX_LINE + 40));
        for (int i = 0; i < shown.length() && safe.length() < MAX_LINE; i++) {
            char c = shown.charAt(i);
            boolean control = (c < 0x20 && c != '\t') || (c >= 0x7F && c < 0xA0);
            boolean loneSurrogate = Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < shown.length()
                    && Character.isLowSurrogate(shown.charAt(i + 1)))
                    && !(Character.isLowSurrogate(c) && i > 0
                            && Character.isHighSurrogate(shown.charAt(i - 1)));
            safe.append(control || loneSurrogate ? REPLACEMENT : c);
        }
        if (shown.length() > safe.length()) {
            if (Character.isHighSurrogate(safe.charAt(safe.length() - 1))) {
                safe.setLength(safe.length() - 1);
            }
            int leftOut = shown.length() - safe.length();
            safe.append(" [").append(leftOut).append(" more characters]");
        }
        return safe.toString();
    }

    /** A message that may span lines: each line made safe, at most {@link #MAX_LINES} of them, joined by newlines. */
    public static String message(String text) {
        if (text == null) {
            return null;
        }
        return String.join("\n", tail(text.lines().toList()));
    }

    /** The last {@link #MAX_LINES} lines, each made safe; a line holding newlines counts as several. */
    public static List<String> tail(List<String> lines) {
        List<String> split = new ArrayList<>();
        for (String line : lines) {
            if (line == null) {
                continue;
            }
            line.lines().forEach(split::add);
            if (line.isEmpty()) {
                split.add("");
            }
        }
        List<String> last = split.subList(Math.max(0, split.size() - MAX_LINES), split.size());
        return last.stream().map(SafeText::line).toList();
    }
}
