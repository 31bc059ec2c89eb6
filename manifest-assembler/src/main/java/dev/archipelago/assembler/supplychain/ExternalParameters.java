package dev.archipelago.assembler.supplychain;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.archipelago.model.Platform;
import dev.archipelago.model.Redaction;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.PinnedSource;

/**
 * A build's request as the provenance's {@code externalParameters} record it: the source (a URL's
 * credentials masked), the image and its tags, the platforms, the attachments asked for, partial
 * and timeout. Taken from the first result of the build, which repeats the request.
 */
public final class ExternalParameters {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ExternalParameters() {
    }

    public static String of(ArchBuildEvent event) {
        ObjectNode parameters = JSON.createObjectNode();
        PinnedSource source = event.source();
        ObjectNode s = parameters.putObject("source");
        if (source.bundle() != null) {
            s.put("bundle", source.bundle());
        } else {
            s.put("git", Redaction.maskUrlCredentials(source.git()));
            if (source.ref() != null) {
                s.put("ref", source.ref());
            }
            s.put("commit", source.commit());
        }
        s.put("contextDir", source.contextDir());
        s.put("dockerfile", source.dockerfile());
        ObjectNode image = parameters.putObject("image");
        image.put("repository", event.image().repository());
        image.put("tag", event.image().tag());
        event.image().indexTags().forEach(image.putArray("indexTags")::add);
        image.set("supplyChain", JSON.valueToTree(event.image().attachments()));
        event.platforms().stream().map(Platform::ociName).sorted().forEach(parameters.putArray("platforms")::add);
        parameters.put("allowPartial", event.allowPartial());
        parameters.put("timeoutSeconds", event.timeoutSeconds());
        return parameters.toString();
    }
}
