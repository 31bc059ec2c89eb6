package dev.archipelago.dispatcher.service;

import java.util.regex.Pattern;

import dev.archipelago.model.Redaction;

/** Masks credentials that may ride in git URLs or tool output before they reach a message or log line. */
public final class Secrets {

    private static final Pattern BEARER = Pattern.compile("(?i)(authorization:\\s*(basic|bearer)\\s+)\\S+");

    private Secrets() {
    }

    /** Replaces {@code user:password@} in every URL of the text, and authorization header values. */
    public static String mask(String text) {
        if (text == null) {
            return null;
        }
        String masked = Redaction.maskUrlCredentials(text);
        return BEARER.matcher(masked).replaceAll("$1***");
    }
}
