package dev.archipelago.model.events;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Where one platform's image is pushed ({@code repository:archTag}), the tags its index goes under,
 * and what is attached beside them ({@code supplyChain}; absent means {@link SupplyChain#DEFAULT}).
 */
public record ImageTarget(
        @JsonProperty(required = true) String repository,
        @JsonProperty(required = true) String tag,
        @JsonProperty(required = true) String archTag,
        @JsonProperty(required = true) List<String> indexTags,
        SupplyChain supplyChain) {

    public ImageTarget {
        Schema.requiredText(repository, "image.repository");
        Schema.requiredText(tag, "image.tag");
        Schema.requiredText(archTag, "image.archTag");
        indexTags = List.copyOf(Schema.required(indexTags, "image.indexTags"));
    }

    /** The attachments asked for, the default when the request named none. */
    public SupplyChain attachments() {
        return SupplyChain.orDefault(supplyChain);
    }
}
