package dev.archipelago.dispatcher.security;

import java.util.List;

/** The API's roles; each includes the ones before it. */
public final class Roles {

    /** Reads builds, workers and pipelines. */
    public static final String VIEWER = "viewer";
    /** Also submits, retries and cancels builds of the repositories its allowlist names. */
    public static final String SUBMITTER = "submitter";
    /** Also manages pipelines, and may build for any repository. */
    public static final String ADMIN = "admin";

    private Roles() {
    }

    /** The roles a role includes, itself first. */
    static List<String> implied(String role) {
        return switch (role) {
            case ADMIN -> List.of(ADMIN, SUBMITTER, VIEWER);
            case SUBMITTER -> List.of(SUBMITTER, VIEWER);
            case VIEWER -> List.of(VIEWER);
            default -> List.of(role);
        };
    }
}
