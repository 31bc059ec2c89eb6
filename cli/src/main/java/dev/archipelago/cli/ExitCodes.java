package dev.archipelago.cli;

/** What the archipelago command exits with; scripts and CI can tell the outcomes apart. */
public final class ExitCodes {

    /** The command did what was asked: for {@code build}, the index was pushed. */
    public static final int OK = 0;
    /** Something unexpected (a bug); the message says what. */
    public static final int INTERNAL = 1;
    /** The command line itself is wrong (picocli's usage code). */
    public static final int USAGE = 2;
    /** Refused, nothing submitted: bad input, or the API or the registry said no (4xx). */
    public static final int REFUSED = 3;
    /** The build ended FAILED. */
    public static final int FAILED = 4;
    /** The build ended CANCELLED (Ctrl-C, or someone else). */
    public static final int CANCELLED = 5;
    /** The API or the registry could not be reached, or answered 5xx. */
    public static final int UNREACHABLE = 6;

    private ExitCodes() {
    }
}
