package dev.archipelago.model.events;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A source tree pinned to one commit, so that every platform builds the same thing. */
public record PinnedSource(
        @JsonProperty(required = true) String git,
        @JsonProperty(required = true) String ref,
        @JsonProperty(required = true) String commit,
        @JsonProperty(required = true) String contextDir,
        @JsonProperty(required = true) String dockerfile) {

    public PinnedSource {
        Schema.requiredText(git, "source.git");
        Schema.requiredText(ref, "source.ref");
        Schema.requiredText(commit, "source.commit");
        Schema.requiredText(contextDir, "source.contextDir");
        Schema.requiredText(dockerfile, "source.dockerfile");
    }
}
