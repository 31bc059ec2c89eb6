package dev.archipelago.assembler.supplychain;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An in-toto Statement v1 carrying an SLSA Provenance v1 predicate (https://slsa.dev/provenance/v1):
 * what Archipelago built, from what, where and when. The build type is {@value #BUILD_TYPE},
 * documented in docs/supply-chain.md. The same inputs give the same bytes (keys sorted, no clock
 * read here), so a retried assembly attaches the same statement.
 */
public final class ProvenanceStatement {

    public static final String MEDIA_TYPE = "application/vnd.in-toto+json";
    public static final String PREDICATE_TYPE = "https://slsa.dev/provenance/v1";
    public static final String BUILD_TYPE = "urn:archipelago:build-type:multiarch-image:v1";
    private static final ObjectMapper JSON = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    /** A dependency the build resolved: a URI, its digests by algorithm, and notes (e.g. the platform it was resolved for). */
    public record Dependency(String uri, Map<String, String> digest, Map<String, String> annotations) {
    }

    private ProvenanceStatement() {
    }

    /**
     * @param subjectName the image's repository ({@code host/path})
     * @param subjectDigest the image's or index's digest
     * @param externalParameters the request as submitted, credentials masked
     * @param internalParameters the settings of the builder that shaped the output
     * @param builderId a URI naming the worker (and its platform) or the assembler
     */
    public static byte[] of(String subjectName, String subjectDigest, JsonNode externalParameters,
            Map<String, Object> internalParameters, List<Dependency> dependencies, String builderId,
            String invocationId, Instant startedOn, Instant finishedOn) {
        ObjectNode statement = JSON.createObjectNode();
        statement.put("_type", "https://in-toto.io/Statement/v1");
        ObjectNode subject = statement.putArray("subject").addObject();
        subject.put("name", subjectName);
        subject.putObject("digest").put(algorithm(subjectDigest), hex(subjectDigest));
        statement.put("predicateType", PREDICATE_TYPE);
        ObjectNode predicate = statement.putObject("predicate");
        ObjectNode definition = predicate.putObject("buildDefinition");
        definition.put("buildType", BUILD_TYPE);
        definition.set("externalParameters", externalParameters);
        definition.set("internalParameters", JSON.valueToTree(internalParameters));
        ArrayNode resolved = definition.putArray("resolvedDependencies");
        for (Dependency d : dependencies) {
            ObjectNode node = resolved.addObject();
            node.put("uri", d.uri());
            node.set("digest", JSON.valueToTree(d.digest()));
            if (!d.annotations().isEmpty()) {
                node.set("annotations", JSON.valueToTree(d.annotations()));
            }
        }
        ObjectNode run = predicate.putObject("runDetails");
        run.putObject("builder").put("id", builderId);
        ObjectNode metadata = run.putObject("metadata");
        metadata.put("invocationId", invocationId);
        if (startedOn != null) {
            metadata.put("startedOn", DateTimeFormatter.ISO_INSTANT.format(startedOn));
        }
        if (finishedOn != null) {
            metadata.put("finishedOn", DateTimeFormatter.ISO_INSTANT.format(finishedOn));
        }
        try {
            return JSON.writeValueAsBytes(statement);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the provenance of " + subjectDigest + " could not be written", e);
        }
    }

    static String algorithm(String digest) {
        return digest.substring(0, digest.indexOf(':'));
    }

    static String hex(String digest) {
        return digest.substring(digest.indexOf(':') + 1);
    }
}
