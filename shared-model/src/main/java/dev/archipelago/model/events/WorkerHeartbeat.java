package dev.archipelago.model.events;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.archipelago.model.Platform;

/** A worker saying it is alive, what it builds, and how busy it is; sent every few seconds. */
public record WorkerHeartbeat(
        @JsonProperty(required = true) int schema,
        @JsonProperty(required = true) String workerId,
        @JsonProperty(required = true) Platform platform,
        boolean emulated,
        @JsonProperty(required = true) String version,
        @JsonProperty(required = true) String executor,
        @JsonProperty(required = true) int capacity,
        @JsonProperty(required = true) int inFlight,
        @JsonProperty(required = true) int intervalSeconds,
        @JsonProperty(required = true) Instant sentAt) {

    public WorkerHeartbeat {
        Schema.check(schema);
        Schema.requiredText(workerId, "workerId");
        Schema.required(platform, "platform");
        Schema.requiredText(version, "version");
        Schema.requiredText(executor, "executor");
        if (capacity < 1 || inFlight < 0 || intervalSeconds < 1) {
            throw new IllegalArgumentException("capacity and intervalSeconds must be positive and inFlight not negative");
        }
        Schema.required(sentAt, "sentAt");
    }
}
