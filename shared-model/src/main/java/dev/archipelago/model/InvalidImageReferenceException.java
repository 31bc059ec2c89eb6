package dev.archipelago.model;

/** An image reference, repository, tag or digest that breaks the reference grammar; the message says what to fix. */
public class InvalidImageReferenceException extends IllegalArgumentException {

    public InvalidImageReferenceException(String message) {
        super(message);
    }
}
