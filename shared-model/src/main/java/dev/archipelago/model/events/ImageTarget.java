package dev.archipelago.model.events;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** Where one platform's image is pushed ({@code repository:archTag}) and the tags its index goes under. */
public record ImageTarget(
        @JsonProperty(required = true) String repository,
        @JsonProperty(required = true) String tag,
        @JsonProperty(required = true) String archTag,
        @JsonProperty(required = true) List<String> indexTags) {

    public ImageTarget {
        Schema.requiredText(repository, "image.repository");
        Schema.requiredText(tag, "image.tag");
        Schema.requiredText(archTag, "image.archTag");
        indexTags = List.copyOf(Schema.required(indexTags, "image.indexTags"));
    }
}
