package dev.archipelago.dispatcher.service;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.archipelago.model.events.SupplyChain;

/**
 * Which pushes of a GitLab or GitHub project build which image: the body of {@code /api/pipelines}.
 *
 * <p>
 * {@code branches} are exact names or globs ({@code release/*}). {@code tagTemplate} and the
 * entries of {@code indexTags} may use {@code {branch}} (with '/' turned into '-') and
 * {@code {shortSha}} (the first 7 hex digits of the pushed commit). {@code git} overrides the clone
 * URL the webhook names (for a mirror, or ssh). {@code statusTarget} names the commit status target
 * its builds report to; without it, the target named like the provider is used when one is configured.
 */
public record PipelineDefinition(
        @JsonProperty(required = true) String name,
        @JsonProperty(required = true) String provider,
        @JsonProperty(required = true) String project,
        String git,
        @JsonProperty(required = true) List<String> branches,
        @JsonProperty(required = true) String repository,
        @JsonProperty(required = true) String tagTemplate,
        String archTagTemplate,
        List<String> indexTags,
        @JsonProperty(required = true) List<String> platforms,
        String contextDir,
        String dockerfile,
        Map<String, String> buildArgs,
        Map<String, String> labels,
        Boolean allowEmulation,
        Boolean allowPartial,
        Integer timeoutSeconds,
        String statusTarget,
        SupplyChain supplyChain) {

    public static final List<String> PROVIDERS = List.of("gitlab", "github");

    public PipelineDefinition {
        for (var field : new Object[][] { { name, "name" }, { provider, "provider" }, { project, "project" },
                { branches, "branches" },
                { repository, "repository" }, { tagTemplate, "tagTemplate" }, { platforms, "platforms" } }) {
            if (field[0] == null) {
                throw new IllegalArgumentException("field '" + field[1] + "' is required");
            }
        }
    }
}
