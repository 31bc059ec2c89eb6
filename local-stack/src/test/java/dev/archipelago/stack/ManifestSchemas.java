package dev.archipelago.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * The schemas the platforms k8s/ deploys to publish, as test resources under {@code schemas/}
 * (Strimzi 1.2.0, OpenShift SCC and Route, KEDA 2.20.2, Kubernetes 1.34), and a validator that
 * holds an object to the schema its API server would: no schema for its apiVersion and kind is
 * "no matches for kind", and an unknown field is an error, as with
 * {@code kubectl apply --validate=strict}. It knows what these schemas use: {@code $ref},
 * {@code type}, {@code properties}, {@code additionalProperties}, {@code required}, {@code enum},
 * {@code items}, {@code oneOf} and {@code anyOf}, {@code minimum}/{@code maximum}, {@code pattern},
 * {@code nullable}, and the {@code x-kubernetes-preserve-unknown-fields} and
 * {@code x-kubernetes-int-or-string} extensions.
 */
final class ManifestSchemas {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final List<String> CRDS = List.of(
            "strimzi-1.2.0/040-Crd-kafka.yaml", "strimzi-1.2.0/043-Crd-kafkatopic.yaml", "strimzi-1.2.0/044-Crd-kafkauser.yaml",
            "strimzi-1.2.0/045-Crd-kafkanodepool.yaml", "openshift/scc.crd.yaml", "openshift/route.crd.yaml",
            "keda-2.20.2/keda.sh_scaledobjects.yaml", "keda-2.20.2/keda.sh_triggerauthentications.yaml");
    private static final String OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

    /** Schemas by "apiVersion kind"; a CRD's root is its openAPIV3Schema, a core kind's a definition. */
    private final Map<String, JsonNode> roots = new HashMap<>();
    private final JsonNode definitions;

    private ManifestSchemas(JsonNode definitions) {
        this.definitions = definitions;
    }

    static ManifestSchemas load() {
        try {
            ManifestSchemas schemas = new ManifestSchemas(read("kubernetes/k8s-1.34.0.json", JSON).path("definitions"));
            for (Iterator<Map.Entry<String, JsonNode>> it = schemas.definitions.fields(); it.hasNext();) {
                var definition = it.next();
                for (JsonNode gvk : definition.getValue().path("x-kubernetes-group-version-kind")) {
                    String group = gvk.path("group").asText();
                    String apiVersion = group.isEmpty() ? gvk.path("version").asText()
                            : group + "/" + gvk.path("version").asText();
                    schemas.roots.put(apiVersion + " " + gvk.path("kind").asText(), definition.getValue());
                }
            }
            for (String crd : CRDS) {
                JsonNode spec = read(crd, YAML).path("spec");
                for (JsonNode version : spec.path("versions")) {
                    if (version.path("served").asBoolean()) {
                        schemas.roots.put(spec.path("group").asText() + "/" + version.path("name").asText() + " "
                                + spec.path("names").path("kind").asText(), version.path("schema").path("openAPIV3Schema"));
                    }
                }
            }
            return schemas;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether a schema for this apiVersion and kind is known here. */
    boolean knows(String apiVersion, String kind) {
        return roots.containsKey(apiVersion + " " + kind);
    }

    /** Every way the object breaks its schema, each as "path: what"; empty when it is valid. */
    List<String> validate(ObjectNode object) {
        String apiVersion = object.path("apiVersion").asText();
        String kind = object.path("kind").asText();
        List<String> errors = new ArrayList<>();
        JsonNode root = roots.get(apiVersion + " " + kind);
        if (root == null) {
            errors.add("no matches for kind \"" + kind + "\" in version \"" + apiVersion + "\"");
            return errors;
        }
        if (root.has("x-kubernetes-group-version-kind")) {
            check(object, root, kind, errors, true);
        } else {
            // a CRD's schema says only "type: object" for metadata; the API server holds it to ObjectMeta
            ObjectNode withoutMetadata = object.deepCopy();
            withoutMetadata.remove("metadata");
            check(withoutMetadata, root, kind, errors, true);
            check(object.path("metadata"), definitions.path(OBJECT_META), kind + ".metadata", errors, true);
        }
        return errors;
    }

    private void check(JsonNode value, JsonNode schema, String path, List<String> errors, boolean strict) {
        if (schema.has("$ref")) {
            String ref = schema.path("$ref").asText();
            check(value, definitions.path(ref.substring(ref.lastIndexOf('/') + 1)), path, errors, strict);
            return;
        }
        if (value.isNull() && schema.path("nullable").asBoolean()) {
            return;
        }
        if (schema.path("x-kubernetes-int-or-string").asBoolean()) {
            if (!value.isIntegralNumber() && !value.isTextual()) {
                errors.add(path + ": must be an integer or a string, not " + value.getNodeType());
            }
            return;
        }
        for (String combinator : List.of("oneOf", "anyOf")) {
            if (schema.has(combinator)) {
                int matching = 0;
                for (JsonNode branch : schema.path(combinator)) {
                    List<String> branchErrors = new ArrayList<>();
                    check(value, branch, path, branchErrors, false);
                    matching += branchErrors.isEmpty() ? 1 : 0;
                }
                if (matching == 0 || (combinator.equals("oneOf") && matching > 1)) {
                    errors.add(path + ": must match " + (combinator.equals("oneOf") ? "exactly one" : "at least one") + " of "
                            + schema.path(combinator) + " (matches " + matching + ")");
                }
            }
        }
        String type = schema.path("type").asText("");
        if (!type.isEmpty() && !hasType(value, type)) {
            errors.add(path + ": must be " + type + ", not " + value.getNodeType() + " (" + value + ")");
            return;
        }
        if (schema.has("enum")) {
            boolean listed = false;
            for (JsonNode allowed : schema.path("enum")) {
                listed |= allowed.equals(value)
                        || (allowed.isTextual() && allowed.asText().equals(value.asText()) && value.isTextual());
            }
            if (!listed) {
                errors.add(path + ": " + value + " is not one of " + schema.path("enum"));
            }
        }
        if (schema.has("pattern") && value.isTextual()
                && !Pattern.compile(schema.path("pattern").asText()).matcher(value.asText()).find()) {
            errors.add(path + ": \"" + value.asText() + "\" does not match " + schema.path("pattern").asText());
        }
        if (schema.has("minimum") && value.isNumber() && value.asDouble() < schema.path("minimum").asDouble()) {
            errors.add(path + ": " + value + " is below the minimum " + schema.path("minimum"));
        }
        if (schema.has("maximum") && value.isNumber() && value.asDouble() > schema.path("maximum").asDouble()) {
            errors.add(path + ": " + value + " is above the maximum " + schema.path("maximum"));
        }
        if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                check(value.get(i), schema.path("items"), path + "[" + i + "]", errors, strict);
            }
        }
        if (value.isObject()) {
            for (JsonNode required : schema.path("required")) {
                if (!value.has(required.asText())) {
                    errors.add(path + ": " + required.asText() + " is required");
                }
            }
            JsonNode properties = schema.path("properties");
            JsonNode additional = schema.path("additionalProperties");
            boolean open = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean() || !strict;
            for (Iterator<Map.Entry<String, JsonNode>> fields = value.fields(); fields.hasNext();) {
                var field = fields.next();
                String at = path + "." + field.getKey();
                if (properties.has(field.getKey())) {
                    check(field.getValue(), properties.path(field.getKey()), at, errors, strict);
                } else if (additional.isObject()) {
                    check(field.getValue(), additional, at, errors, strict);
                } else if (!open && !additional.asBoolean(false)) {
                    errors.add(at + ": unknown field \"" + field.getKey() + "\"");
                }
            }
        }
    }

    private static boolean hasType(JsonNode value, String type) {
        return switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            default -> true;
        };
    }

    private static JsonNode read(String resource, ObjectMapper mapper) throws IOException {
        try (InputStream in = ManifestSchemas.class.getResourceAsStream("/schemas/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("schemas/" + resource + " is missing from the test resources");
            }
            return mapper.readTree(in);
        }
    }
}
