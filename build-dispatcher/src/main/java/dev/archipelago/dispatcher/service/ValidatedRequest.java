package dev.archipelago.dispatcher.service;

import java.util.List;
import java.util.Map;

import dev.archipelago.model.ImageReference;
import dev.archipelago.model.Platform;
import dev.archipelago.model.TagTemplate;
import dev.archipelago.model.events.BuildRequest;
import dev.archipelago.model.events.SupplyChain;

/**
 * A build request that passed validation, normalised: platforms sorted, defaults filled in, tags
 * planned. {@code rebuild} builds every platform even where an image of the same build key exists. The source is a git URL and
 * ref, or a bundle (then {@code gitUrl} and {@code ref} are null).
 */
public record ValidatedRequest(
        String gitUrl,
        String ref,
        ImageReference bundle,
        String contextDir,
        String dockerfile,
        ImageReference repository,
        String tag,
        TagTemplate.Plan tags,
        List<Platform> platforms,
        Map<String, String> buildArgs,
        Map<String, String> labels,
        boolean allowEmulation,
        boolean allowPartial,
        int timeoutSeconds,
        BuildRequest.CommitStatus commitStatus,
        SupplyChain supplyChain,
        boolean rebuild) {
}
