package dev.archipelago.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * Renders a kustomization the way {@code kubectl kustomize} does, for the few features k8s/ uses:
 * {@code resources} (files and folders), {@code configMapGenerator} with literals (create, or
 * merge into a ConfigMap of a resource) and only with {@code generatorOptions.disableNameSuffixHash},
 * {@code patches} with a kind/name target and JSON 6902 operations, {@code namespace} (with
 * ServiceAccount subjects of role bindings) and {@code labels} (metadata only). Any other field
 * fails, so k8s/ cannot start using a feature this does not render. (A user's machine may have no
 * kubectl; the output was compared with kustomize v5.5 when this was written: docs/openshift.md.)
 */
final class Kustomize {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> SUPPORTED = Set.of("apiVersion", "kind", "resources", "patches", "namespace", "labels",
            "configMapGenerator", "generatorOptions");
    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding",
            "CustomResourceDefinition", "PersistentVolume", "StorageClass");

    private Kustomize() {
    }

    static List<ObjectNode> render(Path folder) {
        try {
            JsonNode kustomization = YAML.readTree(folder.resolve("kustomization.yaml").toFile());
            for (Iterator<String> fields = kustomization.fieldNames(); fields.hasNext();) {
                String field = fields.next();
                if (!SUPPORTED.contains(field)) {
                    throw new IllegalStateException(
                            folder + "/kustomization.yaml uses '" + field + "', which this renderer does not do");
                }
            }
            List<ObjectNode> objects = new ArrayList<>();
            for (JsonNode resource : kustomization.path("resources")) {
                Path path = folder.resolve(resource.asText()).normalize();
                if (Files.isDirectory(path)) {
                    objects.addAll(render(path));
                } else {
                    objects.addAll(documents(path));
                }
            }
            if (kustomization.has("configMapGenerator")
                    && !kustomization.path("generatorOptions").path("disableNameSuffixHash").asBoolean()) {
                throw new IllegalStateException(
                        folder + "/kustomization.yaml generates ConfigMaps with a hash suffix, which this renderer "
                                + "does not do: set generatorOptions.disableNameSuffixHash");
            }
            for (JsonNode generator : kustomization.path("configMapGenerator")) {
                generate(folder, generator, objects);
            }
            for (JsonNode patch : kustomization.path("patches")) {
                JsonNode target = patch.path("target");
                JsonNode operations = YAML.readTree(patch.path("patch").asText());
                int matched = 0;
                for (ObjectNode object : objects) {
                    if (object.path("kind").asText().equals(target.path("kind").asText())
                            && object.path("metadata").path("name").asText().equals(target.path("name").asText())) {
                        operations.forEach(op -> apply(object, op));
                        matched++;
                    }
                }
                if (matched == 0) {
                    throw new IllegalStateException(
                            folder + ": a patch targets " + target + ", which is not among the resources");
                }
            }
            if (kustomization.has("namespace")) {
                String namespace = kustomization.path("namespace").asText();
                for (ObjectNode object : objects) {
                    if (!CLUSTER_SCOPED.contains(object.path("kind").asText())) {
                        ((ObjectNode) object.path("metadata")).put("namespace", namespace);
                    }
                    if (object.path("kind").asText().endsWith("RoleBinding")) {
                        for (JsonNode subject : object.path("subjects")) {
                            if (subject.path("kind").asText().equals("ServiceAccount")) {
                                ((ObjectNode) subject).put("namespace", namespace);
                            }
                        }
                    }
                }
            }
            for (JsonNode labels : kustomization.path("labels")) {
                for (ObjectNode object : objects) {
                    ObjectNode metadata = (ObjectNode) object.path("metadata");
                    ObjectNode existing = metadata.has("labels") ? (ObjectNode) metadata.get("labels")
                            : metadata.putObject("labels");
                    labels.path("pairs").fields().forEachRemaining(pair -> existing.set(pair.getKey(), pair.getValue()));
                }
            }
            return objects;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A ConfigMap from literals ({@code behavior} create, the default), or literals merged into one of the resources. */
    private static void generate(Path folder, JsonNode generator, List<ObjectNode> objects) {
        String name = generator.path("name").asText();
        String behavior = generator.path("behavior").asText("create");
        for (Iterator<String> fields = generator.fieldNames(); fields.hasNext();) {
            String field = fields.next();
            if (!Set.of("name", "behavior", "literals").contains(field)) {
                throw new IllegalStateException(folder + ": configMapGenerator '" + field + "' is not rendered here");
            }
        }
        ObjectNode target;
        if (behavior.equals("merge")) {
            target = objects.stream().filter(o -> o.path("kind").asText().equals("ConfigMap")
                    && o.path("metadata").path("name").asText().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalStateException(folder + ": no ConfigMap " + name + " to merge into"));
        } else if (behavior.equals("create")) {
            target = YAML.createObjectNode().put("apiVersion", "v1").put("kind", "ConfigMap");
            target.putObject("metadata").put("name", name);
            target.putObject("data");
            objects.add(target);
        } else {
            throw new IllegalStateException(folder + ": configMapGenerator behavior '" + behavior + "' is not rendered here");
        }
        ObjectNode data = target.has("data") ? (ObjectNode) target.get("data") : target.putObject("data");
        for (JsonNode literal : generator.path("literals")) {
            String text = literal.asText();
            int equals = text.indexOf('=');
            data.put(text.substring(0, equals), text.substring(equals + 1));
        }
    }

    static String toYaml(List<ObjectNode> objects) {
        try {
            StringBuilder out = new StringBuilder();
            for (ObjectNode object : objects) {
                out.append(new YAMLMapper().writeValueAsString(object));
            }
            return out.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<ObjectNode> documents(Path file) throws IOException {
        List<ObjectNode> objects = new ArrayList<>();
        try (var parser = YAML.getFactory().createParser(file.toFile())) {
            for (Iterator<JsonNode> docs = YAML.readValues(parser, JsonNode.class); docs.hasNext();) {
                JsonNode doc = docs.next();
                if (doc != null && doc.isObject() && !doc.isEmpty()) {
                    objects.add((ObjectNode) doc);
                }
            }
        }
        return objects;
    }

    /** One JSON 6902 operation: add, replace or remove at a JSON pointer. */
    private static void apply(ObjectNode object, JsonNode operation) {
        String op = operation.path("op").asText();
        String[] path = operation.path("path").asText().substring(1).split("/");
        JsonNode parent = object;
        for (int i = 0; i < path.length - 1; i++) {
            String key = unescape(path[i]);
            parent = parent.isArray() ? parent.path(Integer.parseInt(key)) : parent.path(key);
            if (parent.isMissingNode()) {
                throw new IllegalStateException(operation + ": no " + key + " in " + object.path("metadata").path("name"));
            }
        }
        String last = unescape(path[path.length - 1]);
        JsonNode value = operation.get("value");
        if (parent instanceof ArrayNode array) {
            int index = last.equals("-") ? array.size() : Integer.parseInt(last);
            switch (op) {
                case "add" -> array.insert(index, value);
                case "replace" -> array.set(index, value);
                case "remove" -> array.remove(index);
                default -> throw new IllegalStateException("op '" + op + "' is not rendered here");
            }
        } else if (parent instanceof ObjectNode map) {
            if (op.equals("replace") && !map.has(last)) {
                throw new IllegalStateException(operation + ": nothing to replace");
            }
            switch (op) {
                case "add", "replace" -> map.set(last, value);
                case "remove" -> map.remove(last);
                default -> throw new IllegalStateException("op '" + op + "' is not rendered here");
            }
        }
    }

    private static String unescape(String token) {
        return token.replace("~1", "/").replace("~0", "~");
    }
}
