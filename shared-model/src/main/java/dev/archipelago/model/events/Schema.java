package dev.archipelago.model.events;

/** The version of the event contracts; every event carries it in its {@code schema} field. */
public final class Schema {

    /** The version this code writes and the only one it reads. */
    public static final int CURRENT = 1;

    private Schema() {
    }

    static int check(int schema) {
        if (schema != CURRENT) {
            throw new IllegalArgumentException("schema " + schema + " is not supported; this service reads schema " + CURRENT);
        }
        return schema;
    }

    static <T> T required(T value, String field) {
        if (value == null) {
            throw new IllegalArgumentException("field '" + field + "' is required");
        }
        return value;
    }

    static String requiredText(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("field '" + field + "' is required and must not be blank");
        }
        return value;
    }
}
