package dev.archipelago.model;

import java.util.regex.Pattern;

/** Masks credentials that can ride in URLs ({@code https://user:token@host}) before text reaches a message, log or event. */
public final class Redaction {

    private static final Pattern URL_USERINFO = Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)[^/@\\s]+@");

    private Redaction() {
    }

    /** Replaces the user-info part of every URL in the text with {@code ***}; null stays null. */
    public static String maskUrlCredentials(String text) {
        return text == null ? null : URL_USERINFO.matcher(text).replaceAll("$1***@");
    }
}
