package dev.archipelago.worker.reuse;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.archipelago.model.Redaction;
import dev.archipelago.model.events.ArchBuildRequest;

/**
 * The labels every image Archipelago makes carries: the request's own, then the source (git
 * builds, credentials masked), the revision, the build id and, when there is one, the build key. A build writes them
 * with {@code --label}; a reused image gets them written into its new config.
 */
public final class ImageLabels {

    public static final String SOURCE = "org.opencontainers.image.source";
    public static final String REVISION = "org.opencontainers.image.revision";
    public static final String BUILD_ID = "dev.archipelago.build-id";

    private ImageLabels() {
    }

    public static Map<String, String> of(ArchBuildRequest request, BuildKey key) {
        Map<String, String> labels = new LinkedHashMap<>(request.labels());
        if (!request.source().fromBundle()) {
            labels.put(SOURCE, Redaction.maskUrlCredentials(request.source().git()));
        }
        labels.put(REVISION, request.source().revision());
        labels.put(BUILD_ID, request.buildId());
        if (key != null) {
            labels.put(BuildKey.LABEL, key.hex());
        }
        return labels;
    }
}
