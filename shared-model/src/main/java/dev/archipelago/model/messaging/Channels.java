package dev.archipelago.model.messaging;

/**
 * Names of the SmallRye Reactive Messaging channels; {@code application.properties} maps each to
 * its topic from {@link Topics}. Shared so that {@code @Incoming}, {@code @Channel} and tests agree.
 */
public final class Channels {

    /** Dispatcher in: {@code BuildRequest} records from {@link Topics#SUBMIT}. */
    public static final String SUBMISSIONS_IN = "submissions-in";
    /** Dispatcher out: the outbox relay's records to the per-platform request topics. */
    public static final String OUTBOX_OUT = "outbox-out";
    /** Results in, for the dispatcher and the assembler. */
    public static final String RESULTS_IN = "results-in";
    /** Outcomes in, for the dispatcher. */
    public static final String OUTCOMES_IN = "outcomes-in";
    /** Heartbeats in, for the dispatcher. */
    public static final String HEARTBEATS_IN = "heartbeats-in";
    /** Worker in: its platform's requests. */
    public static final String REQUESTS_IN = "requests-in";
    /** Worker out: results. */
    public static final String RESULTS_OUT = "results-out";
    /** Worker out: heartbeats. */
    public static final String HEARTBEATS_OUT = "heartbeats-out";
    /** Assembler out: outcomes. */
    public static final String OUTCOMES_OUT = "outcomes-out";

    private Channels() {
    }
}
