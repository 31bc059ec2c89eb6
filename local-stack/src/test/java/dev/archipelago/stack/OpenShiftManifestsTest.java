package dev.archipelago.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.archipelago.model.messaging.Topics;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;

/**
 * k8s/ cannot be applied here (no cluster), so this renders each overlay (hub, worker-amd64,
 * worker-ppc64le) and holds it to the code: every object reads as its kind with no unknown field,
 * images, ports, environment variables and probes match the services, every topic has a
 * KafkaTopic, each Kafka user may do what its service does, the build pods' capabilities are
 * allowed by the SCC, the worker overlays differ only in their architecture, and no credential is
 * kept in the repository. The rendered YAML is written to target/k8s-rendered/.
 */
class OpenShiftManifestsTest {

    /** The platforms with a worker overlay, each made by scripts/worker-overlay. */
    static final List<String> WORKER_ARCHES = List.of("amd64", "arm64", "ppc64le", "s390x");
    private static final List<String> OVERLAYS = List.of("hub", "worker-amd64", "worker-arm64", "worker-ppc64le",
            "worker-s390x");

    /** The overlays k8s/ offers, each rendered by the tests. */
    static List<String> overlays() {
        return OVERLAYS;
    }

    private static final Map<String, Class<? extends KubernetesResource>> TYPED = Map.of(
            "Deployment", Deployment.class, "Service", Service.class, "ConfigMap", ConfigMap.class,
            "ServiceAccount", ServiceAccount.class, "Role", Role.class, "RoleBinding", RoleBinding.class,
            "NetworkPolicy", NetworkPolicy.class, "PodDisruptionBudget", PodDisruptionBudget.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EXECUTOR = "arch-worker/src/main/java/dev/archipelago/worker/kubernetes/BuildPodSpec.java";

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
                assertThat(object.path("metadata").path("labels").path("app.kubernetes.io/part-of").asText()).as(where)
                        .isEqualTo("archipelago");
                Class<? extends KubernetesResource> type = TYPED.get(kind);
                if (type != null) {
                    List<String> unknown = new ArrayList<>();
                    unknownFields(JSON.treeToValue(object, type), kind, unknown);
                    assertThat(unknown).as("fields the %s model does not know", where).isEmpty();
                } else {
                    assertThat(kind).as(where).isIn("Route", "SecurityContextConstraints", "Kafka", "KafkaNodePool",
                            "KafkaTopic", "KafkaUser",
                            "ScaledObject", "TriggerAuthentication", "ServiceMonitor");
                    assertThat(object.path("apiVersion").asText()).as(where).isIn("route.openshift.io/v1",
                            "security.openshift.io/v1",
                            "kafka.strimzi.io/v1", "keda.sh/v1alpha1", "monitoring.coreos.com/v1");
                }
            }
        }
        assertThat(kinds("hub")).contains("Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser", "Deployment", "Service", "Route",
                "PodDisruptionBudget", "ServiceMonitor", "NetworkPolicy");
        assertThat(kinds("worker-amd64")).contains("Deployment", "Role", "RoleBinding", "ServiceAccount",
                "SecurityContextConstraints",
                "NetworkPolicy", "ScaledObject", "TriggerAuthentication");
    }

    @Test
    void servicesRunTheProjectsImagesWithTheirPortsProbesLimitsAndOnlyKeysTheyRead() throws IOException {
        String version = ServiceConfig.projectVersion();
        Set<String> deployed = new HashSet<>();
        for (var overlay : rendered.entrySet()) {
            Map<String, String> common = configMap(overlay.getValue(), "archipelago-common");
            common.putAll(configMap(overlay.getValue(), "archipelago-worker"));
            for (ObjectNode object : ofKind(overlay.getValue(), "Deployment")) {
                Deployment deployment = JSON.treeToValue(object, Deployment.class);
                for (Container container : deployment.getSpec().getTemplate().getSpec().getContainers()) {
                    String module = container.getName();
                    deployed.add(module);
                    assertThat(ServiceConfig.MODULES).contains(module);
                    assertThat(container.getImage()).matches(".+/" + module + ":" + Pattern.quote(version));
                    assertThat(container.getPorts().get(0).getContainerPort()).isEqualTo(ServiceConfig.httpPort(module));
                    assertThat(container.getPorts()).anySatisfy(port -> {
                        assertThat(port.getName()).isEqualTo("management");
                        assertThat(port.getContainerPort()).isEqualTo(ServiceConfig.managementPort(module));
                    });
                    for (var probe : List.of(container.getLivenessProbe(), container.getReadinessProbe(),
                            container.getStartupProbe())) {
                        assertThat(probe.getHttpGet().getPath()).startsWith("/q/health/");
                        assertThat(probe.getHttpGet().getPort().getStrVal()).as("%s probes the management port", module)
                                .isEqualTo("management");
                    }
                    assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
                    assertThat(container.getResources().getLimits()).containsKey("memory");
                    assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
                    Set<String> known = ServiceConfig.knownVariables(module);
                    known.add("QUARKUS_PROFILE");
                    List<String> variables = new ArrayList<>(common.keySet());
                    container.getEnv().forEach(e -> variables.add(e.getName()));
                    assertThat(known).as("%s reads every variable k8s/%s gives it", module, overlay.getKey())
                            .containsAll(variables);
                    // credentials (not the names of Secrets, like ..._REGISTRY_SECRET) come only from Secrets
                    container.getEnv().stream().filter(e -> e.getName().matches(".*(PASSWORD|TOKEN|WEBHOOKS_GITHUB_SECRET)"))
                            .forEach(e -> assertThat(e.getValue()).as("%s comes from a Secret", e.getName()).isNull());
                }
            }
        }
        assertThat(deployed).containsExactlyInAnyOrderElementsOf(ServiceConfig.MODULES);
        assertThat(ofKind(rendered.get("hub"), "Secret")).as("no Secret is kept in the repository").isEmpty();
        assertThat(configMap(rendered.get("hub"), "archipelago-common")).containsEntry("QUARKUS_PROFILE", "prod,openshift");
        for (String module : List.of("build-dispatcher", "manifest-assembler")) {
            assertThat(properties(module))
                    .as("%s speaks TLS to Kafka with its KafkaUser's certificate in the openshift profile", module)
                    .contains("%openshift.kafka.security.protocol=SSL", "/etc/archipelago/kafka-ca/ca.p12",
                            "/etc/archipelago/kafka-user/user.p12");
        }
        assertThat(properties("arch-worker"))
                .as("the worker: SCRAM over TLS, the password read from its file at every authentication")
                .contains("%openshift.kafka.security.protocol=SASL_SSL", "%openshift.kafka.sasl.mechanism=SCRAM-SHA-512",
                        "/etc/archipelago/kafka-ca/ca.crt", "password_file=\"/etc/archipelago/kafka-user/password\"",
                        "%openshift.kafka.sasl.client.callback.handler.class=dev.archipelago.worker.kafka.PasswordFileCallbackHandler");
    }

    @Test
    void everyTopicHasAKafkaTopicAndEveryServiceAUserAllowedWhatItDoes() {
        List<ObjectNode> hub = rendered.get("hub");
        Set<String> topics = ofKind(hub, "KafkaTopic").stream().map(t -> t.path("spec").path("topicName").asText())
                .collect(Collectors.toSet());
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
        assertThat(allows(hub, "archipelago-submitter", "topic", Topics.SUBMIT, "Write")).as("a producer of submissions")
                .isTrue();
        assertThat(acls(hub, "archipelago-submitter")).as("the submitter may do nothing else").isEqualTo(1);
        assertThat(allows(hub, "archipelago-dlq-reader", "topic", Topics.DLQ, "Read")).isTrue();
        assertThat(allows(hub, "archipelago-dlq-reader", "group", "archipelago-dlq-replay", "Read")).isTrue();
        assertThat(allows(hub, "archipelago-dlq-reader", "topic", Topics.DLQ, "Write")).isFalse();
        Set<String> writers = ofKind(hub, "KafkaUser").stream().map(u -> u.path("metadata").path("name").asText())
                .filter(u -> allows(hub, u, "topic", Topics.SUBMIT, "Write")).collect(Collectors.toSet());
        assertThat(writers).containsExactly("archipelago-submitter");

        ObjectNode kafka = ofKind(hub, "Kafka").get(0);
        assertThat(kafka.at("/spec/kafka/version").asText()).as("a Kafka version Strimzi 1.2 runs (4.2.0 to 4.3.1)")
                .matches("4\\.(2\\.\\d+|3\\.[01])");
        JsonNode external = null;
        for (JsonNode listener : kafka.at("/spec/kafka/listeners")) {
            if (listener.path("name").asText().equals("external")) {
                external = listener;
            }
        }
        assertThat(external).as("the worker clusters' listener").isNotNull();
        assertThat(external.path("tls").asBoolean()).isTrue();
        assertThat(external.at("/authentication/type").asText()).isEqualTo("scram-sha-512");
        for (String arch : WORKER_ARCHES) {
            String user = "archipelago-worker-" + arch;
            ObjectNode kafkaUser = ofKind(hub, "KafkaUser").stream()
                    .filter(u -> u.path("metadata").path("name").asText().equals(user))
                    .findFirst().orElseThrow();
            assertThat(kafkaUser.at("/spec/authentication/type").asText())
                    .as("%s signs in with a password that does not expire", user)
                    .isEqualTo("scram-sha-512");
            assertThat(allows(hub, user, "topic", Topics.REQUESTS_PREFIX + arch, "Read")).isTrue();
            assertThat(allows(hub, user, "topic", Topics.RESULTS, "Write")).isTrue();
            assertThat(allows(hub, user, "topic", Topics.HEARTBEATS, "Write")).isTrue();
            assertThat(allows(hub, user, "group", Topics.WORKER_GROUP_PREFIX + arch, "Read")).isTrue();
            String other = arch.equals("amd64") ? "s390x" : "amd64";
            assertThat(allows(hub, user, "topic", Topics.REQUESTS_PREFIX + other, "Read"))
                    .as("%s reads only its own requests", user).isFalse();
            assertThat(allows(hub, user, "topic", Topics.OUTCOMES, "Write")).isFalse();
        }
    }

    @Test
    void workersBuildInPodsThatTheSccAndTheRoleAllowAndTheOverlaysDifferOnlyInTheirArchitecture() throws Exception {
        for (String arch : WORKER_ARCHES) {
            List<ObjectNode> objects = rendered.get("worker-" + arch);
            Deployment worker = JSON.treeToValue(ofKind(objects, "Deployment").get(0), Deployment.class);
            var spec = worker.getSpec().getTemplate().getSpec();
            assertThat(spec.getNodeSelector()).containsEntry("kubernetes.io/arch", arch);
            assertThat(configMap(objects, "archipelago-worker")).containsEntry("ARCHIPELAGO_WORKER_PLATFORM", "linux/" + arch);
            Map<String, String> env = new LinkedHashMap<>();
            spec.getContainers().get(0).getEnv().stream().filter(e -> e.getValue() != null)
                    .forEach(e -> env.put(e.getName(), e.getValue()));
            assertThat(env).containsEntry("ARCHIPELAGO_WORKER_EXECUTOR", "kubernetes");
            assertThat(spec.getVolumes())
                    .anySatisfy(v -> assertThat(v.getSecret() == null ? null : v.getSecret().getSecretName())
                            .isEqualTo("archipelago-kafka-user"));
            assertThat(Files.readString(ServiceConfig.repoRoot().resolve("k8s/worker-" + arch + "/kustomization.yaml")))
                    .as("k8s/worker-%s is what scripts/worker-overlay makes", arch).isEqualTo(workerOverlay("linux/" + arch));
        }
        String amd64 = Kustomize.toYaml(rendered.get("worker-amd64")).replace("amd64", "ARCH");
        for (String arch : WORKER_ARCHES) {
            assertThat(Kustomize.toYaml(rendered.get("worker-" + arch)).replace(arch, "ARCH"))
                    .as("the worker overlays, each with its architecture written ARCH").isEqualTo(amd64);
        }

        ObjectNode scc = ofKind(rendered.get("worker-ppc64le"), "SecurityContextConstraints").get(0);
        assertThat(scc.path("allowPrivilegedContainer").asBoolean(true)).isFalse();
        assertThat(scc.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
        assertThat(scc.path("userNamespaceLevel").asText()).as("pods must have a user namespace of their own")
                .isEqualTo("RequirePodLevel");
        Set<String> allowed = new HashSet<>();
        scc.path("allowedCapabilities").forEach(c -> allowed.add(c.asText()));
        assertThat(allowed).doesNotContain("SYS_ADMIN", "NET_ADMIN", "MKNOD", "CHOWN", "DAC_OVERRIDE", "SYS_CHROOT");
        assertThat(allowed).as("the SCC allows exactly the capabilities the Kubernetes executor asks for")
                .isEqualTo(executorCapabilities());

        Role role = JSON.treeToValue(ofKind(rendered.get("worker-ppc64le"), "Role").stream()
                .filter(r -> r.path("metadata").path("name").asText().equals("archipelago-worker")).findFirst().orElseThrow(),
                Role.class);
        assertThat(role.getRules()).anySatisfy(rule -> {
            assertThat(rule.getResources()).containsExactly("pods");
            assertThat(rule.getVerbs()).contains("create", "get", "list", "delete");
        });
        assertThat(role.getRules()).anySatisfy(rule -> assertThat(rule.getResources()).containsExactly("pods/log"));
        assertThat(role.getRules()).allSatisfy(rule -> assertThat(rule.getResources()).allMatch(r -> r.startsWith("pods")));
    }

    @Test
    void eachWorkerScalesWithTheLagOfItsOwnRequestTopicCappedByItsPartitions() throws Exception {
        Map<String, Integer> partitions = new LinkedHashMap<>();
        ofKind(rendered.get("hub"), "KafkaTopic")
                .forEach(t -> partitions.put(t.at("/spec/topicName").asText(), t.at("/spec/partitions").asInt()));
        for (String arch : WORKER_ARCHES) {
            List<ObjectNode> objects = rendered.get("worker-" + arch);
            ObjectNode scaled = ofKind(objects, "ScaledObject").get(0);
            Deployment worker = JSON.treeToValue(ofKind(objects, "Deployment").get(0), Deployment.class);
            assertThat(scaled.at("/spec/scaleTargetRef/name").asText()).isEqualTo(worker.getMetadata().getName());
            assertThat(worker.getSpec().getReplicas()).as("replicas are the ScaledObject's to set").isNull();
            JsonNode trigger = scaled.at("/spec/triggers/0");
            assertThat(trigger.path("type").asText()).isEqualTo("kafka");
            JsonNode metadata = trigger.path("metadata");
            assertThat(metadata.path("topic").asText()).isEqualTo(Topics.REQUESTS_PREFIX + arch);
            assertThat(metadata.path("consumerGroup").asText()).isEqualTo(Topics.WORKER_GROUP_PREFIX + arch);
            assertThat(metadata.path("bootstrapServers").asText()).as("KEDA asks the broker the worker uses")
                    .isEqualTo(configMap(objects, "archipelago-common").get("KAFKA_BOOTSTRAP_SERVERS"));
            String concurrency = worker.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                    .filter(e -> e.getName().equals("ARCHIPELAGO_WORKER_CONCURRENCY")).findFirst().orElseThrow().getValue();
            assertThat(metadata.path("lagThreshold").asText()).as("one replica per the builds a replica runs at once")
                    .isEqualTo(concurrency);
            assertThat(metadata.path("offsetResetPolicy").asText()).isEqualTo("earliest");
            assertThat(metadata.path("sasl").asText()).isEqualTo("scram_sha512");
            assertThat(metadata.path("tls").asText()).isEqualTo("enable");
            assertThat(scaled.at("/spec/maxReplicaCount").asInt()).as("no more replicas than the request topic has partitions")
                    .isLessThanOrEqualTo(partitions.get(Topics.REQUESTS_PREFIX + arch));

            ObjectNode auth = ofKind(objects, "TriggerAuthentication").get(0);
            assertThat(trigger.at("/authenticationRef/name").asText()).isEqualTo(auth.at("/metadata/name").asText());
            Set<String> secrets = new HashSet<>();
            worker.getSpec().getTemplate().getSpec().getVolumes().stream().filter(v -> v.getSecret() != null)
                    .forEach(v -> secrets.add(v.getSecret().getSecretName()));
            Map<String, String> parameters = new LinkedHashMap<>();
            auth.at("/spec/secretTargetRef").forEach(ref -> {
                parameters.put(ref.path("parameter").asText(), ref.path("key").asText());
                assertThat(secrets).as("KEDA reads the Secrets the worker reads").contains(ref.path("name").asText());
            });
            assertThat(parameters).containsEntry("password", "password").containsEntry("ca", "ca.crt").containsKey("username");
        }
        for (String arch : WORKER_ARCHES) {
            assertThat(partitions.get(Topics.REQUESTS_PREFIX + arch)).as("request topic of %s sized for its replicas", arch)
                    .isGreaterThanOrEqualTo(6);
        }
    }

    @Test
    void buildPodsReachOnlyDnsTheRegistryAndTheGitHostsAndNothingReachesThem() throws Exception {
        NetworkPolicy policy = JSON.treeToValue(ofKind(rendered.get("worker-s390x"), "NetworkPolicy").get(0),
                NetworkPolicy.class);
        assertThat(policy.getSpec().getPodSelector().getMatchLabels()).as("selects what the executor labels its pods")
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("app.kubernetes.io/part-of", "archipelago", "app.kubernetes.io/component", "build"));
        assertThat(Files.readString(ServiceConfig.repoRoot().resolve(EXECUTOR))).contains("LABEL_PART_OF, \"archipelago\"",
                "LABEL_COMPONENT, \"build\"", "LABEL_PART_OF = \"app.kubernetes.io/part-of\"",
                "LABEL_COMPONENT = \"app.kubernetes.io/component\"");
        assertThat(policy.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
        assertThat(policy.getSpec().getIngress()).as("no connection to a build pod").isEmpty();

        assertThat(egressAllows(policy, "10.128.4.7", "openshift-dns", 5353, "UDP")).as("DNS").isTrue();
        assertThat(egressAllows(policy, "203.0.113.10", null, 443, "TCP")).as("the registry").isTrue();
        assertThat(egressAllows(policy, "198.51.100.20", null, 22, "TCP")).as("a git host over SSH").isTrue();
        assertThat(egressAllows(policy, "169.254.169.254", null, 80, "TCP")).as("the cloud's metadata").isFalse();
        assertThat(egressAllows(policy, "172.30.0.1", null, 443, "TCP")).as("the cluster's API").isFalse();
        assertThat(egressAllows(policy, "10.128.2.15", "archipelago", 9093, "TCP")).as("the pods of the cluster").isFalse();
        assertThat(egressAllows(policy, "93.184.216.34", null, 443, "TCP")).as("the internet at large").isFalse();
        assertThat(egressAllows(policy, "203.0.113.10", null, 22, "TCP")).as("the registry on another port").isFalse();
    }

    @Test
    void theHubsApiIsBehindTheRouteItsManagementPortsAreScrapedAndItsReplicasSpreadAndDrainOneAtATime() throws Exception {
        List<ObjectNode> hub = rendered.get("hub");
        ObjectNode route = ofKind(hub, "Route").get(0);
        assertThat(route.at("/spec/port/targetPort").asText()).as("the Route exposes the API port only").isEqualTo("http");
        ObjectNode monitor = ofKind(hub, "ServiceMonitor").get(0);
        assertThat(monitor.at("/spec/endpoints/0/port").asText()).isEqualTo("management");
        assertThat(monitor.at("/spec/endpoints/0/path").asText()).isEqualTo("/q/metrics");
        Set<String> monitored = new HashSet<>();
        monitor.at("/spec/selector/matchExpressions/0/values").forEach(v -> monitored.add(v.asText()));
        NetworkPolicy management = JSON.treeToValue(ofKind(hub, "NetworkPolicy").get(0), NetworkPolicy.class);
        for (ObjectNode object : ofKind(hub, "Deployment")) {
            Deployment deployment = JSON.treeToValue(object, Deployment.class);
            String name = deployment.getMetadata().getName();
            Service service = JSON
                    .treeToValue(ofKind(hub, "Service").stream().filter(o -> o.at("/metadata/name").asText().equals(name))
                            .findFirst().orElseThrow(), Service.class);
            assertThat(service.getMetadata().getLabels()).containsEntry("app.kubernetes.io/name", name);
            assertThat(monitored).as("the ServiceMonitor selects %s's Service", name).contains(name);
            assertThat(service.getSpec().getPorts()).anySatisfy(p -> assertThat(p.getName()).isEqualTo("management"));

            var spread = deployment.getSpec().getTemplate().getSpec().getTopologySpreadConstraints();
            assertThat(spread).extracting(c -> c.getTopologyKey()).contains("kubernetes.io/hostname",
                    "topology.kubernetes.io/zone");
            assertThat(spread).allSatisfy(
                    c -> assertThat(c.getLabelSelector().getMatchLabels()).containsEntry("app.kubernetes.io/name", name));
            PodDisruptionBudget budget = JSON.treeToValue(ofKind(hub, "PodDisruptionBudget").stream()
                    .filter(o -> o.at("/metadata/name").asText().equals(name)).findFirst().orElseThrow(),
                    PodDisruptionBudget.class);
            assertThat(budget.getSpec().getSelector().getMatchLabels()).containsEntry("app.kubernetes.io/name", name);
            assertThat(budget.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
            assertThat(deployment.getSpec().getReplicas()).isGreaterThan(1);

            int api = ServiceConfig.httpPort(name);
            int port = ServiceConfig.managementPort(name);
            Map<String, String> labels = deployment.getSpec().getTemplate().getMetadata().getLabels();
            assertThat(ingressAllows(management, labels, "openshift-user-workload-monitoring", port))
                    .as("Prometheus scrapes %s", name).isTrue();
            assertThat(ingressAllows(management, labels, "some-other-project", port))
                    .as("another project reaches %s's management port", name)
                    .isFalse();
            assertThat(ingressAllows(management, labels, "some-other-project", api)).as("%s's API", name).isTrue();
        }
        Map<String, String> brokerLabels = Map.of("strimzi.io/cluster", "archipelago", "app.kubernetes.io/part-of",
                "archipelago",
                "app.kubernetes.io/name", "kafka");
        assertThat(selects(management.getSpec().getPodSelector(), brokerLabels)).as("the policy leaves the broker pods alone")
                .isFalse();
    }

    /** Whether an egress rule of the policy lets a pod it selects connect to this address and port. */
    private static boolean egressAllows(NetworkPolicy policy, String ip, String namespace, int port, String protocol) {
        return policy.getSpec().getEgress().stream().anyMatch(rule -> portMatches(rule.getPorts(), port, protocol)
                && (rule.getTo() == null || rule.getTo().isEmpty()
                        || rule.getTo().stream().anyMatch(peer -> (peer.getIpBlock() != null && inBlock(peer.getIpBlock(), ip))
                                || (peer.getNamespaceSelector() != null && namespace != null && peer.getPodSelector() == null
                                        && selects(peer.getNamespaceSelector(),
                                                Map.of("kubernetes.io/metadata.name", namespace))))));
    }

    /** Whether the policy lets a pod of another namespace connect to a pod with these labels on this port. */
    private static boolean ingressAllows(NetworkPolicy policy, Map<String, String> podLabels, String fromNamespace, int port) {
        if (!selects(policy.getSpec().getPodSelector(), podLabels)) {
            return true;
        }
        return policy.getSpec().getIngress().stream().anyMatch(rule -> portMatches(rule.getPorts(), port, "TCP")
                && (rule.getFrom() == null || rule.getFrom().isEmpty()
                        || rule.getFrom().stream()
                                .anyMatch(peer -> peer.getNamespaceSelector() != null && selects(peer.getNamespaceSelector(),
                                        Map.of("kubernetes.io/metadata.name", fromNamespace)))));
    }

    private static boolean portMatches(List<NetworkPolicyPort> ports, int port, String protocol) {
        return ports == null || ports.isEmpty() || ports.stream().anyMatch(p -> p.getPort().getIntVal() == port
                && protocol.equals(p.getProtocol() == null ? "TCP" : p.getProtocol()));
    }

    private static boolean selects(LabelSelector selector, Map<String, String> labels) {
        boolean matches = selector.getMatchLabels() == null || selector.getMatchLabels().entrySet().stream()
                .allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
        if (selector.getMatchExpressions() != null) {
            for (var expression : selector.getMatchExpressions()) {
                String value = labels.get(expression.getKey());
                matches &= switch (expression.getOperator()) {
                    case "In" -> value != null && expression.getValues().contains(value);
                    case "NotIn" -> value == null || !expression.getValues().contains(value);
                    case "Exists" -> value != null;
                    default -> value == null;
                };
            }
        }
        return matches;
    }

    private static boolean inBlock(IPBlock block, String ip) {
        if (!inCidr(block.getCidr(), ip)) {
            return false;
        }
        return block.getExcept() == null || block.getExcept().stream().noneMatch(except -> inCidr(except, ip));
    }

    private static boolean inCidr(String cidr, String ip) {
        String[] parts = cidr.split("/");
        long network = ipv4(parts[0]);
        int bits = Integer.parseInt(parts[1]);
        long mask = bits == 0 ? 0 : (0xFFFFFFFFL << (32 - bits)) & 0xFFFFFFFFL;
        return (ipv4(ip) & mask) == (network & mask);
    }

    private static long ipv4(String address) {
        long value = 0;
        for (String octet : address.split("\\.")) {
            value = (value << 8) | Integer.parseInt(octet);
        }
        return value;
    }

    private static String workerOverlay(String platform) throws Exception {
        Process process = new ProcessBuilder("bash", ServiceConfig.repoRoot().resolve("scripts/worker-overlay").toString(),
                "--print", platform)
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    private static String properties(String module) throws IOException {
        return Files.readString(ServiceConfig.repoRoot().resolve(module).resolve("src/main/resources/application.properties"));
    }

    private static int acls(List<ObjectNode> hub, String user) {
        return ofKind(hub, "KafkaUser").stream().filter(u -> u.path("metadata").path("name").asText().equals(user)).findFirst()
                .orElseThrow().at("/spec/authorization/acls").size();
    }

    /** The capabilities the build pod's spec (BuildPodSpec) adds to its build container, read from its source. */
    private static Set<String> executorCapabilities() throws IOException {
        String source = Files.readString(ServiceConfig.repoRoot().resolve(EXECUTOR));
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
                && o.path("metadata").path("name").asText().equals(user)).findFirst()
                .orElseThrow(() -> new AssertionError("no KafkaUser " + user));
        for (JsonNode acl : kafkaUser.path("spec").path("authorization").path("acls")) {
            JsonNode resource = acl.path("resource");
            boolean prefix = resource.path("patternType").asText().equals("prefix");
            boolean nameMatches = prefix ? name.startsWith(resource.path("name").asText())
                    : name.equals(resource.path("name").asText());
            List<String> operations = new ArrayList<>();
            acl.path("operations").forEach(o -> operations.add(o.asText()));
            if (resource.path("type").asText().equals(type) && nameMatches && operations.contains(operation)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Walks a fabric8 model object and collects every field that landed in an additionalProperties map (a typo, or a wrong
     * place).
     */
    private static void unknownFields(Object value, String path, List<String> unknown) throws Exception {
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean
                || value.getClass().isEnum()) {
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
            if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get")
                    || getter.getDeclaringClass() == Object.class) {
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
