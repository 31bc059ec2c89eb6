package dev.archipelago.dispatcher.service;

/** Fired inside a transaction that wrote outbox rows; observed after commit to relay them at once. */
public record OutboxWritten(int records) {
}
