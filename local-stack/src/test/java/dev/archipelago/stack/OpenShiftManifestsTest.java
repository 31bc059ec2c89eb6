package dev.archipelago.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.archipelago.model.messaging.Topics;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * k8s/ cannot be applied here (no cluster), so this renders each overlay (hub, worker-amd64,
 * worker-ppc64le) and holds it to the code: every object reads as its kind with no unknown field,
 * images, ports, environment variables and probes match the services, every topic has a
 * KafkaTopic, each Kafka user may do what its service does, the build pods' capabilities are
 * allowed by the SCC, the worker overlays differ only in their architecture, and no credential is
 * kept in the repository. The rendered YAML is written to target/k8s-rendered/.
 */
class OpenShiftManifestsTest {

    private static final List<String> OVERLAYS = List.of("hub", "worker-amd64", "worker-ppc64le");
    private static final Map<String, Class<? extends KubernetesResource>> TYPED = Map.of(
            "Deployment", Deployment.class, "Service", Service.class, "ConfigMap", ConfigMap.class,
            "ServiceAccount", ServiceAccount.class, "Role", Role.class, "RoleBinding", RoleBinding.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Map<String, List<ObjectNode>> rendered = new LinkedHashMap<>();

    @BeforeAll
    static void render() throws IOException {
        Path out = Files.createDirectories(Path.of("target", "k8s-rendered"));
        for (String overlay : OVERLAYS) {
            List<ObjectNode> objects = Kustomize.render(ServiceConfig.repoRoot().resolve("k8s").resolve(overlay));
            rendered.put(overlay, objects);
            Files.writeString(out.resolve(overlay + ".yaml"), Kustomize.toYaml(objects));
        }
    }

    @Test
    void everyObjectReadsAsItsKindWithNoUnknownField() throws Exception {
        for (var overlay : rendered.entrySet()) {
            for (ObjectNode object : overlay.getValue()) {
                String kind = object.path("kind").asText();
                String where = overlay.getKey() + ": " + kind + " " + object.path("metadata").path("name").asText();
                assertThat(object.path("metadata").path("labels").path("app.kubernetes.io/part-of").asText()).as(where).isEqualTo("archipelago");
                Class<? extends KubernetesResource> type = TYPED.get(kind);
                if (type != null) {
                    List<String> unknown = new ArrayList<>();
                    unknownFields(JSON.treeToValue(object, type), kind, unknown);
                    assertThat(unknown).as("fields the %s model does not know", where).isEmpty();
                } else {
                    assertThat(kind).as(where).isIn("Route", "SecurityContextConstraints", "Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser");
                    assertThat(object.path("apiVersion").asText()).as(where).isIn("route.openshift.io/v1", "security.openshift.io/v1",
                            "kafka.strimzi.io/v1beta2");
                }
            }
        }
        assertThat(kinds("hub")).contains("Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser", "Deployment", "Service", "Route");
        assertThat(kinds("worker-amd64")).contains("Deployment", "Role", "RoleBinding", "ServiceAccount", "SecurityContextConstraints");
    }

    @Test
    void servicesRunTheProjectsImagesWithTheirPortsProbesLimitsAndOnlyKeysTheyRead() throws IOException {
        String version = ServiceConfig.projectVersion();
        Set<String> deployed = new HashSet<>();
        for (var overlay : rendered.entrySet()) {
            Map<String, String> common = configMap(overlay.getValue(), "archipelago-common");
            for (ObjectNode object : ofKind(overlay.getValue(), "Deployment")) {
                Deployment deployment = JSON.treeToValue(object, Deployment.class);
                for (Container container : deployment.getSpec().getTemplate().getSpec().getContainers()) {
                    String module = container.getName();
                    deployed.add(module);
                    assertThat(ServiceConfig.MODULES).contains(module);
                    assertThat(container.getImage()).matches(".+/" + module + ":" + Pattern.quote(version));
                    assertThat(container.getPorts().get(0).getContainerPort()).isEqualTo(ServiceConfig.httpPort(module));
                    assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
                    assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
                    assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
                    assertThat(container.getResources().getLimits()).containsKey("memory");
                    assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
                    Set<String> known = ServiceConfig.knownVariables(module);
                    known.add("QUARKUS_PROFILE");
                    List<String> variables = new ArrayList<>(common.keySet());
                    container.getEnv().forEach(e -> variables.add(e.getName()));
                    assertThat(known).as("%s reads every variable k8s/%s gives it", module, overlay.getKey()).containsAll(variables);
                    // credentials (not the names of Secrets, like ..._REGISTRY_SECRET) come only from Secrets
                    container.getEnv().stream().filter(e -> e.getName().matches(".*(PASSWORD|TOKEN|WEBHOOKS_GITHUB_SECRET)"))
                            .forEach(e -> assertThat(e.getValue()).as("%s comes from a Secret", e.getName()).isNull());
                }
            }
        }
        assertThat(deployed).containsExactlyInAnyOrderElementsOf(ServiceConfig.MODULES);
        assertThat(ofKind(rendered.get("hub"), "Secret")).as("no Secret is kept in the repository").isEmpty();
        assertThat(configMap(rendered.get("hub"), "archipelago-common")).containsEntry("QUARKUS_PROFILE", "prod,openshift");
        for (String module : ServiceConfig.MODULES) {
            assertThat(Files.readString(ServiceConfig.repoRoot().resolve(module).resolve("src/main/resources/application.properties")))
                    .as("%s speaks TLS to Kafka in the openshift profile", module)
                    .contains("%openshift.kafka.security.protocol=SSL", "/etc/archipelago/kafka-ca/ca.p12", "/etc/archipelago/kafka-user/user.p12");
        }
    }

    @Test
    void everyTopicHasAKafkaTopicAndEveryServiceAUserAllowedWhatItDoes() {
        List<ObjectNode> hub = rendered.get("hub");
        Set<String> topics = ofKind(hub, "KafkaTopic").stream().map(t -> t.path("spec").path("topicName").asText()).collect(Collectors.toSet());
        assertThat(topics).containsExactlyInAnyOrderElementsOf(Topics.all());
        for (ObjectNode topic : ofKind(hub, "KafkaTopic")) {
            assertThat(topic.path("spec").path("partitions").asInt()).isPositive();
            assertThat(topic.path("spec").path("config").path("retention.ms").asLong()).isPositive();
        }
        assertThat(allows(hub, "archipelago-dispatcher", "topic", "archipelago.builds.requests.ppc64le", "Write")).isTrue();
        for (String read : List.of(Topics.SUBMIT, Topics.RESULTS, Topics.OUTCOMES, Topics.HEARTBEATS)) {
            assertThat(allows(hub, "archipelago-dispatcher", "topic", read, "Read")).as(read).isTrue();
        }
        assertThat(allows(hub, "archipelago-dispatcher", "topic", Topics.RESULTS, "Write"))
                .as("the dispatcher's cancels for the assembler travel on the results topic").isTrue();
        assertThat(allows(hub, "archipelago-dispatcher", "group", Topics.DISPATCHER_GROUP_PREFIX + "results", "Read")).isTrue();
        assertThat(allows(hub, "archipelago-assembler", "topic", Topics.RESULTS, "Read")).isTrue();
        assertThat(allows(hub, "archipelago-assembler", "topic", Topics.OUTCOMES, "Write")).isTrue();
        assertThat(allows(hub, "archipelago-assembler", "group", Topics.ASSEMBLER_GROUP, "Read")).isTrue();
        for (String arch : List.of("amd64", "ppc64le")) {
            String user = "archipelago-worker-" + arch;
            assertThat(allows(hub, user, "topic", Topics.REQUESTS_PREFIX + arch, "Read")).isTrue();
            assertThat(allows(hub, user, "topic", Topics.RESULTS, "Write")).isTrue();
            assertThat(allows(hub, user, "topic", Topics.HEARTBEATS, "Write")).isTrue();
            assertThat(allows(hub, user, "group", Topics.WORKER_GROUP_PREFIX + arch, "Read")).isTrue();
            String other = arch.equals("amd64") ? "ppc64le" : "amd64";
            assertThat(allows(hub, user, "topic", Topics.REQUESTS_PREFIX + other, "Read")).as("%s reads only its own requests", user).isFalse();
            assertThat(allows(hub, user, "topic", Topics.OUTCOMES, "Write")).isFalse();
        }
    }

    @Test
    void workersBuildInPodsThatTheSccAndTheRoleAllowAndTheOverlaysDifferOnlyInTheirArchitecture() throws IOException {
        for (String arch : List.of("amd64", "ppc64le")) {
            Deployment worker = JSON.treeToValue(ofKind(rendered.get("worker-" + arch), "Deployment").get(0), Deployment.class);
            var spec = worker.getSpec().getTemplate().getSpec();
            assertThat(spec.getNodeSelector()).containsEntry("kubernetes.io/arch", arch);
            Map<String, String> env = new LinkedHashMap<>();
            spec.getContainers().get(0).getEnv().stream().filter(e -> e.getValue() != null).forEach(e -> env.put(e.getName(), e.getValue()));
            assertThat(env).containsEntry("ARCHIPELAGO_WORKER_PLATFORM", "linux/" + arch).containsEntry("ARCHIPELAGO_WORKER_EXECUTOR", "kubernetes");
            assertThat(spec.getVolumes()).anySatisfy(v -> assertThat(v.getSecret() == null ? null : v.getSecret().getSecretName())
                    .isEqualTo("archipelago-worker-" + arch));
        }
        String amd64 = Kustomize.toYaml(rendered.get("worker-amd64")).replace("amd64", "ARCH");
        String ppc64le = Kustomize.toYaml(rendered.get("worker-ppc64le")).replace("ppc64le", "ARCH");
        assertThat(ppc64le).as("the two worker overlays, each with its architecture written ARCH").isEqualTo(amd64);

        ObjectNode scc = ofKind(rendered.get("worker-ppc64le"), "SecurityContextConstraints").get(0);
        assertThat(scc.path("allowPrivilegedContainer").asBoolean(true)).isFalse();
        assertThat(scc.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
        Set<String> allowed = new HashSet<>();
        scc.path("allowedCapabilities").forEach(c -> allowed.add(c.asText()));
        assertThat(allowed).doesNotContain("SYS_ADMIN", "NET_ADMIN", "MKNOD");
        assertThat(allowed).as("the SCC allows every capability the Kubernetes executor asks for").containsAll(executorCapabilities());

        Role role = JSON.treeToValue(ofKind(rendered.get("worker-ppc64le"), "Role").stream()
                .filter(r -> r.path("metadata").path("name").asText().equals("archipelago-worker")).findFirst().orElseThrow(), Role.class);
        assertThat(role.getRules()).anySatisfy(rule -> {
            assertThat(rule.getResources()).containsExactly("pods");
            assertThat(rule.getVerbs()).contains("create", "get", "list", "delete");
        });
        assertThat(role.getRules()).anySatisfy(rule -> assertThat(rule.getResources()).containsExactly("pods/log"));
        assertThat(role.getRules()).allSatisfy(rule -> assertThat(rule.getResources()).allMatch(r -> r.startsWith("pods")));
    }

    /** The capabilities KubernetesExecutor adds to its build container, read from its source. */
    private static Set<String> executorCapabilities() throws IOException {
        String source = Files.readString(ServiceConfig.repoRoot()
                .resolve("arch-worker/src/main/java/dev/archipelago/worker/service/KubernetesExecutor.java"));
        Matcher add = Pattern.compile("\\.addToAdd\\(([^)]*)\\)").matcher(source);
        assertThat(add.find()).isTrue();
        Set<String> capabilities = new HashSet<>();
        Matcher name = Pattern.compile("\"([A-Z_]+)\"").matcher(add.group(1));
        while (name.find()) {
            capabilities.add(name.group(1));
        }
        assertThat(capabilities).isNotEmpty();
        return capabilities;
    }

    private static boolean allows(List<ObjectNode> hub, String user, String type, String name, String operation) {
        ObjectNode kafkaUser = hub.stream().filter(o -> o.path("kind").asText().equals("KafkaUser")
                && o.path("metadata").path("name").asText().equals(user)).findFirst().orElseThrow(() -> new AssertionError("no KafkaUser " + user));
        for (JsonNode acl : kafkaUser.path("spec").path("authorization").path("acls")) {
            JsonNode resource = acl.path("resource");
            boolean prefix = resource.path("patternType").asText().equals("prefix");
            boolean nameMatches = prefix ? name.startsWith(resource.path("name").asText()) : name.equals(resource.path("name").asText());
            List<String> operations = new ArrayList<>();
            acl.path("operations").forEach(o -> operations.add(o.asText()));
            if (resource.path("type").asText().equals(type) && nameMatches && operations.contains(operation)) {
                return true;
            }
        }
        return false;
    }

    /** Walks a fabric8 model object and collects every field that landed in an additionalProperties map (a typo, or a wrong place). */
    private static void unknownFields(Object value, String path, List<String> unknown) throws Exception {
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean || value.getClass().isEnum()) {
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                unknownFields(item, path + "[" + i++ + "]", unknown);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            for (var entry : map.entrySet()) {
                unknownFields(entry.getValue(), path + "." + entry.getKey(), unknown);
            }
            return;
        }
        if (!value.getClass().getPackageName().startsWith("io.fabric8")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object child = getter.invoke(value);
            if (getter.getName().equals("getAdditionalProperties")) {
                ((Map<?, ?>) child).keySet().forEach(key -> unknown.add(path + "." + key));
            } else {
                unknownFields(child, path + "." + getter.getName().substring(3), unknown);
            }
        }
    }

    private static List<ObjectNode> ofKind(List<ObjectNode> objects, String kind) {
        return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
    }

    private static Set<String> kinds(String overlay) {
        return rendered.get(overlay).stream().map(o -> o.path("kind").asText()).collect(Collectors.toSet());
    }

    private static Map<String, String> configMap(List<ObjectNode> objects, String name) {
        Map<String, String> data = new LinkedHashMap<>();
        ofKind(objects, "ConfigMap").stream().filter(o -> o.path("metadata").path("name").asText().equals(name))
                .forEach(o -> o.path("data").fields().forEachRemaining(e -> data.put(e.getKey(), e.getValue().asText())));
        return data;
    }
}
