package dev.archipelago.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * Every object of every rendered overlay against the schema its API server serves (Strimzi 1.2.0,
 * OpenShift, KEDA 2.20.2, Kubernetes 1.34; test resources under schemas/), with unknown fields as
 * errors. The validator is shown to refuse what a server refuses: an API version it no longer
 * serves, an unknown field, a wrong type, a value outside an enum.
 */
class ManifestSchemaTest {

    /** Kinds whose CRD is not among the published schemas here: held to their fields in OpenShiftManifestsTest. */
    static final Set<String> WITHOUT_SCHEMA = Set.of("ServiceMonitor");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static ManifestSchemas schemas;

    @BeforeAll
    static void load() {
        schemas = ManifestSchemas.load();
    }

    @Test
    void everyObjectOfEveryOverlayIsValidForTheApiItTargets() {
        List<String> errors = new ArrayList<>();
        int validated = 0;
        for (String overlay : OpenShiftManifestsTest.overlays()) {
            for (ObjectNode object : Kustomize.render(ServiceConfig.repoRoot().resolve("k8s").resolve(overlay))) {
                if (WITHOUT_SCHEMA.contains(object.path("kind").asText())) {
                    continue;
                }
                String where = overlay + ": " + object.path("kind").asText() + " "
                        + object.path("metadata").path("name").asText();
                schemas.validate(object).forEach(error -> errors.add(where + ": " + error));
                validated++;
            }
        }
        assertThat(errors).as("schema errors in k8s/").isEmpty();
        assertThat(validated).isGreaterThan(30);
    }

    @Test
    void anApiVersionTheServerNoLongerServesIsRefused() throws Exception {
        ObjectNode topic = object("""
                apiVersion: kafka.strimzi.io/v1beta2
                kind: KafkaTopic
                metadata: {name: t}
                spec: {partitions: 1, replicas: 1}
                """);
        assertThat(schemas.validate(topic))
                .containsExactly("no matches for kind \"KafkaTopic\" in version \"kafka.strimzi.io/v1beta2\"");
        topic.put("apiVersion", "kafka.strimzi.io/v1");
        assertThat(schemas.validate(topic)).isEmpty();
    }

    @Test
    void anUnknownFieldAWrongTypeAndAValueOutsideAnEnumAreRefused() throws Exception {
        ObjectNode deployment = object("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: d}
                spec:
                  selector: {matchLabels: {a: b}}
                  template:
                    metadata: {labels: {a: b}}
                    spec:
                      containers:
                        - name: c
                          image: i
                          resources: {limits: {memory: 1Gi}}
                          securityContext: {allowPrivilegeEscalation: false}
                """);
        assertThat(schemas.validate(deployment)).isEmpty();

        ((ObjectNode) deployment.at("/spec/template/spec/containers/0")).put("imagePullPolice", "Always");
        ((ObjectNode) deployment.at("/spec/template/spec/containers/0/securityContext")).put("allowPrivilegeEscalation", "no");
        ((ObjectNode) deployment.at("/spec/template/spec")).put("hostUser", false);
        assertThat(schemas.validate(deployment)).containsExactlyInAnyOrder(
                "Deployment.spec.template.spec.containers[0].imagePullPolice: unknown field \"imagePullPolice\"",
                "Deployment.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation: must be boolean, not STRING (\"no\")",
                "Deployment.spec.template.spec.hostUser: unknown field \"hostUser\"");

        ObjectNode user = object("""
                apiVersion: kafka.strimzi.io/v1
                kind: KafkaUser
                metadata: {name: u, labels: {strimzi.io/cluster: c}}
                spec:
                  authentication: {type: tls}
                  authorization:
                    type: simple
                    acls:
                      - resource: {type: topic, name: t, patternType: literal}
                        operations: [Read]
                """);
        assertThat(schemas.validate(user)).isEmpty();
        ((ObjectNode) user.at("/spec/authorization/acls/0")).putArray("operations").add("Devour");
        ((ObjectNode) user.at("/spec/authorization/acls/0")).put("operation", "Read");
        assertThat(schemas.validate(user)).anySatisfy(error -> assertThat(error).contains("\"Devour\" is not one of"))
                .anySatisfy(error -> assertThat(error).contains("acls[0].operation: unknown field"));
    }

    private static ObjectNode object(String yaml) throws Exception {
        return (ObjectNode) YAML.readTree(yaml);
    }
}
