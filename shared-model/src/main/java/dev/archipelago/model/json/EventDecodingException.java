package dev.archipelago.model.json;

/** A record or body that is not a valid event of the expected type; the message names the field at fault. */
public class EventDecodingException extends IllegalArgumentException {

    public EventDecodingException(String message) {
        super(message);
    }

    public EventDecodingException(String message, Throwable cause) {
        super(message, cause);
    }
}
