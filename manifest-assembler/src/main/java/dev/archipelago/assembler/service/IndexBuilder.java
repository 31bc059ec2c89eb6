package dev.archipelago.assembler.service;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.archipelago.model.Digests;
import dev.archipelago.model.MediaTypes;
import dev.archipelago.model.Platform;

/**
 * Builds the bytes of an image index from its children, deterministically: entries sorted by
 * platform, keys in a fixed order, annotations sorted, UTF-8 without blanks. The same children
 * and annotations always give the same bytes and so the same digest.
 *
 * <p>
 * OCI children give an OCI image index with annotations; Docker schema-2 children give a
 * Docker manifest list, which has no annotations field (the format defines none). Mixed children
 * are refused.
 */
public final class IndexBuilder {

    public static final String ANNOTATION_CREATED = "org.opencontainers.image.created";
    public static final String ANNOTATION_SOURCE = "org.opencontainers.image.source";
    public static final String ANNOTATION_REVISION = "org.opencontainers.image.revision";
    public static final String ANNOTATION_BUILD_ID = "dev.archipelago.build-id";
    /** The build context a CLI build came from ({@code registry/repository@sha256:...}). */
    public static final String ANNOTATION_CONTEXT = "dev.archipelago.context";
    public static final String ANNOTATION_EMULATED = "dev.archipelago.emulated";

    private static final ObjectMapper JSON = new ObjectMapper();

    private IndexBuilder() {
    }

    /** One child: a verified single-platform manifest. */
    public record Child(Platform platform, String digest, String mediaType, long size, boolean emulated) {
    }

    /** The index to push. */
    public record Index(String mediaType, byte[] bytes, String digest) {
        public long size() {
            return bytes.length;
        }
    }

    /** Thrown when the children cannot share one index. */
    public static class MixedFormatsException extends IllegalArgumentException {
        public MixedFormatsException(String message) {
            super(message);
        }
    }

    public static Index build(List<Child> children, Map<String, String> annotations) {
        if (children.isEmpty()) {
            throw new IllegalArgumentException("an index needs at least one child");
        }
        String childType = children.get(0).mediaType();
        for (Child child : children) {
            if (!MediaTypes.IMAGE_MANIFESTS.contains(child.mediaType())) {
                throw new MixedFormatsException(
                        child.platform() + " is a " + child.mediaType() + ", not a single-platform image manifest");
            }
            if (!child.mediaType().equals(childType)) {
                throw new MixedFormatsException("children mix " + childType + " and " + child.mediaType()
                        + "; build every platform with the same --format (oci or docker)");
            }
        }
        boolean oci = childType.equals(MediaTypes.OCI_MANIFEST);
        String indexType = MediaTypes.indexFor(childType);

        List<Object> manifests = new ArrayList<>();
        for (Child child : children.stream().sorted(Comparator.comparing(Child::platform)).toList()) {
            Map<String, Object> platform = new LinkedHashMap<>();
            platform.put("architecture", child.platform().architecture());
            platform.put("os", child.platform().os());
            if (child.platform().variant() != null) {
                platform.put("variant", child.platform().variant());
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("mediaType", child.mediaType());
            entry.put("digest", child.digest());
            entry.put("size", child.size());
            entry.put("platform", platform);
            if (oci && child.emulated()) {
                entry.put("annotations", Map.of(ANNOTATION_EMULATED, "true"));
            }
            manifests.add(entry);
        }
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("mediaType", indexType);
        index.put("manifests", manifests);
        if (oci && !annotations.isEmpty()) {
            SortedMap<String, String> sorted = new TreeMap<>(annotations);
            index.put("annotations", sorted);
        }
        try {
            byte[] bytes = JSON.writeValueAsString(index).getBytes(StandardCharsets.UTF_8);
            return new Index(indexType, bytes, Digests.sha256(bytes));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
