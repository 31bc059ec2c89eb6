package dev.archipelago.worker;

import static dev.archipelago.worker.WorkerFixture.busyboxRepository;
import static dev.archipelago.worker.WorkerFixture.request;
import static dev.archipelago.worker.WorkerFixture.result;
import static dev.archipelago.worker.WorkerFixture.send;
import static dev.archipelago.worker.WorkerFixture.tagExists;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.hasItem;

import java.net.URL;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.infra.Skopeo;
import dev.archipelago.infra.Tools;
import dev.archipelago.model.Platform;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.testsupport.InjectKafkaClient;
import dev.archipelago.testsupport.KafkaBrokerResource;
import dev.archipelago.testsupport.KafkaTestClient;
import dev.archipelago.testsupport.LogCapture;
import dev.archipelago.worker.kubernetes.BuildPodSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * The Kubernetes executor against the fabric8 mock API server (CRUD mode): a ppc64le worker (on
 * this amd64 host) makes one pod per build. The test plays the kubelet: it runs the pod's own
 * containers' commands and environment here, against the real git, buildah (under QEMU) and
 * registry, and writes the resulting status back to the API, so the pod spec is proved by a real
 * build, not only read.
 */
@QuarkusTest
@TestProfile(KubernetesExecutorTest.PodsOnPpc64le.class)
@WithTestResource(KafkaBrokerResource.class)
@WithKubernetesTestServer(crud = true, setup = KubernetesExecutorTest.LeftoverPods.class)
class KubernetesExecutorTest {

    /** The management interface's root, {@code http://localhost:<port>/q/}. */
    @TestHTTPResource(value = "/", management = true)
    URL management;

    static final String NAMESPACE = "builds";
    static final String WORKER_ID = "k8s-worker-ppc64le";

    public static class PodsOnPpc64le implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(WorkerFixture.config("linux/ppc64le", false));
            config.put("archipelago.worker.executor", "kubernetes");
            config.put("archipelago.worker.id", WORKER_ID);
            config.put("archipelago.worker.kubernetes.namespace", NAMESPACE);
            config.put("archipelago.worker.kubernetes.registry-secret", "registry-auth");
            config.put("archipelago.worker.kubernetes.poll-interval", "100ms");
            config.put("archipelago.worker.kubernetes.owner-pod-name", "arch-worker-ppc64le-7d9f");
            config.put("archipelago.worker.kubernetes.owner-pod-uid", "0b6c1a52-3f0e-4d8e-9d1e-5a7f2c9b8e01");
            return config;
        }
    }

    /** Before the worker starts: a pod of an earlier run of this worker, and one of another worker. */
    public static class LeftoverPods implements Consumer<KubernetesServer> {
        @Override
        public void accept(KubernetesServer server) {
            for (String[] pod : new String[][] { { "leftover-of-this-worker", WORKER_ID },
                    { "pod-of-another-worker", "k8s-worker-other" } }) {
                server.getClient().pods().inNamespace(NAMESPACE).resource(new PodBuilder().withNewMetadata().withName(pod[0])
                        .addToLabels(BuildPodSpec.LABEL_WORKER, pod[1]).addToLabels(BuildPodSpec.LABEL_COMPONENT, "build")
                        .endMetadata().withNewSpec().addNewContainer().withName("build").withImage("busybox").endContainer()
                        .endSpec().build()).create();
            }
        }
    }

    @KubernetesTestServer
    KubernetesServer server;

    @InjectKafkaClient
    KafkaTestClient kafka;
    @RegisterExtension
    static final LogCapture logs = new LogCapture();
    private static ScratchGitRepository app;

    @BeforeAll
    static void setUp() {
        Tools.requireEmulation(Platform.LINUX_PPC64LE);
        // steps that need what a build container has in its user namespace: files of other users, a setuid bit, USER
        app = busyboxRepository(Platform.LINUX_PPC64LE, """
                RUN echo "$GREETING" > /greeting
                RUN mkdir -p /etc /home/app && echo 'app:x:1000:1000::/home/app:/bin/sh' > /etc/passwd \\
                    && chown 1000:1000 /home/app && chmod u+s /greeting
                USER app
                RUN touch /home/app/made-by-app""");
    }

    @AfterAll
    static void tearDown() {
        assertThat(logs.linesContaining(" build | {")).as("API answers taken for log lines").isEmpty();
        app.close();
    }

    @Test
    void podsLeftByAnEarlierRunOfThisWorkerAreDeletedAtStartAndOthersAreLeftAlone() {
        KubernetesClient client = server.getClient();
        assertThat(client.pods().inNamespace(NAMESPACE).withName("leftover-of-this-worker").get()).isNull();
        assertThat(client.pods().inNamespace(NAMESPACE).withName("pod-of-another-worker").get()).isNotNull();
        given().baseUri(management.toString()).get("health/ready").then().statusCode(200).body("checks.name",
                hasItem("kubernetes"));
    }

    @Test
    void aBuildRunsAsAPodOnANodeOfItsPlatformAndReportsTheDigestItPushed() {
        ArchBuildRequest request = request(Platform.LINUX_PPC64LE, app);
        send(kafka, request);
        Pod pod = awaitPod(request);

        assertThat(pod.getMetadata().getName()).isEqualTo("arch-" + request.buildId() + "-ppc64le-1");
        assertThat(pod.getMetadata().getLabels()).containsEntry(BuildPodSpec.LABEL_BUILD, request.buildId())
                .containsEntry(BuildPodSpec.LABEL_PLATFORM, "ppc64le").containsEntry(BuildPodSpec.LABEL_ATTEMPT, "1")
                .containsEntry(BuildPodSpec.LABEL_WORKER, WORKER_ID).containsEntry("app.kubernetes.io/part-of", "archipelago");
        assertThat(pod.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(owner -> assertThat(owner.getName()).isEqualTo("arch-worker-ppc64le-7d9f"));
        var spec = pod.getSpec();
        assertThat(spec.getNodeSelector()).containsEntry("kubernetes.io/arch", "ppc64le").containsEntry("kubernetes.io/os",
                "linux");
        assertThat(spec.getRestartPolicy()).isEqualTo("Never");
        assertThat(spec.getActiveDeadlineSeconds()).isBetween(250L, 300L);
        assertThat(spec.getServiceAccountName()).isEqualTo("archipelago-build");
        assertThat(spec.getAutomountServiceAccountToken()).isFalse();
        assertThat(spec.getHostUsers()).as("a user namespace of the pod's own").isFalse();
        assertThat(spec.getVolumes()).filteredOn(v -> v.getEmptyDir() != null)
                .extracting(v -> v.getEmptyDir().getSizeLimit().toString())
                .containsExactlyInAnyOrder("2Gi", "20Gi");
        Container fetch = spec.getInitContainers().get(0);
        Container build = spec.getContainers().get(0);
        assertThat(fetch.getName()).isEqualTo("fetch");
        assertThat(fetch.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(fetch.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(build.getCommand()).hasSize(4).startsWith("/bin/sh", "-c");
        assertThat(build.getSecurityContext().getPrivileged()).isFalse();
        assertThat(build.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(build.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(build.getSecurityContext().getCapabilities().getAdd()).containsExactlyInAnyOrder("SETUID", "SETGID",
                "SETFCAP", "DAC_READ_SEARCH");
        assertThat(build.getResources().getLimits()).containsKeys("cpu", "memory", "ephemeral-storage");
        assertThat(build.getResources().getRequests()).containsKey("ephemeral-storage");
        assertThat(build.getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getName()).isEqualTo("registry-auth");
            assertThat(m.getReadOnly()).isTrue();
        });
        assertThat(spec.getVolumes()).filteredOn(v -> v.getSecret() != null).singleElement()
                .satisfies(v -> assertThat(v.getSecret().getSecretName()).isEqualTo("registry-auth"));
        Map<String, String> env = new HashMap<>();
        build.getEnv().forEach(e -> env.put(e.getName(), e.getValue()));
        assertThat(env).containsEntry("ARCHIPELAGO_PLATFORM", "linux/ppc64le")
                .containsEntry("ARCHIPELAGO_BUILD_ARGS", "GREETING=hello")
                .containsEntry("ARCHIPELAGO_TARGET", request.image().repository() + ":" + request.image().archTag())
                .containsEntry("ARCHIPELAGO_TLS_VERIFY", "false");
        assertThat(build.getCommand().get(2)).as("the script is fixed: no request value in it")
                .doesNotContain(request.buildId()).doesNotContain(app.url()).doesNotContain("GREETING");

        LocalKubelet.Run run = kubelet(pod);
        assertThat(run.status().getPhase()).as(run.buildLog()).isEqualTo("Succeeded");
        assertThat(run.storageOwner()).as("UID 0 of the build container, on the host")
                .isEqualTo(LocalKubelet.SUBORDINATE_START);
        assertThat(run.buildLog()).contains("executables: all for linux/ppc64le");

        ArchBuildEvent result = result(kafka, request);
        assertThat(result.type()).as(String.valueOf(result.error())).isEqualTo(ArchBuildEvent.Type.SUCCEEDED);
        assertThat(result.filesVerified()).as("executables whose ELF header the pod checked").isGreaterThanOrEqualTo(1);
        String reference = request.image().repository() + ":" + request.image().archTag();
        var inspected = Skopeo.inspect(reference);
        assertThat(result.artifact().digest()).isEqualTo(inspected.path("Digest").asText());
        assertThat(inspected.path("Architecture").asText()).isEqualTo("ppc64le");
        assertThat(result.artifact().size()).isEqualTo(Skopeo.raw(reference).length);
        assertThat(result.emulated()).isFalse();
        assertThat(result.workerId()).isEqualTo(WORKER_ID);
        awaitDeleted(pod);
    }

    @Test
    void aFailingStepOrAPathThatLeavesTheRepositoryFailsWithItsCodeAndTheLogTail() {
        try (ScratchGitRepository failing = busyboxRepository(Platform.LINUX_PPC64LE,
                "RUN echo this-step-fails-in-the-pod >&2; exit 7")) {
            ArchBuildRequest request = request(Platform.LINUX_PPC64LE, failing);
            send(kafka, request);
            Pod pod = awaitPod(request);
            kubelet(pod);
            ArchBuildEvent result = result(kafka, request);
            assertThat(result.type()).isEqualTo(ArchBuildEvent.Type.FAILED);
            assertThat(result.error().code()).isEqualTo(BuildErrorCode.BUILD_FAILED);
            assertThat(result.error().message()).contains("exit code 20");
            assertThat(String.join("\n", result.error().logTail())).contains("this-step-fails-in-the-pod")
                    .contains("fetched " + request.source().commit()).doesNotContain("\"kind\"");
            assertThat(logs.linesContaining("build " + request.buildId() + " build | ")).isNotEmpty();
            awaitDeleted(pod);
        }
        try (ScratchGitRepository escaping = busyboxRepository(Platform.LINUX_PPC64LE, "")) {
            escaping.symlink("Dockerfile.outside", "/etc/hostname").commit("a Dockerfile outside the repository");
            ArchBuildRequest request = request(Platform.LINUX_PPC64LE, escaping, ".", "Dockerfile.outside",
                    WorkerFixture.open.hostPort() + "/worker/app", 300);
            send(kafka, request);
            Pod pod = awaitPod(request);
            LocalKubelet.Run run = kubelet(pod);
            assertThat(run.fetchLog()).contains("leads out of the repository");
            ArchBuildEvent result = result(kafka, request);
            assertThat(result.error().code()).isEqualTo(BuildErrorCode.PATH_ESCAPE);
            assertThat(String.join("\n", result.error().logTail())).contains("Dockerfile.outside leads out of the repository");
            awaitDeleted(pod);
        }
    }

    @Test
    void x86BinariesInAnImageClaimedAsPpc64leFailInThePodWithArchMismatchEvenInAFolderOnlyTheirOwnerMayReadAndAreNotPushed() {
        try (ScratchGitRepository liar = ScratchGitRepository.create()) {
            // the RUN step is x86 too: it runs natively on this x86 host whatever the image claims
            liar.copy(Tools.busybox(Platform.LINUX_AMD64), "busybox").write("Dockerfile", """
                    FROM scratch
                    COPY busybox /bin/busybox
                    RUN ["/bin/busybox", "sh", "-c", "/bin/busybox mkdir /hidden && /bin/busybox cp /bin/busybox /hidden/tool \
                         && /bin/busybox chown -R 1000:1000 /hidden && /bin/busybox chmod 700 /hidden"]
                    CMD ["/bin/busybox", "uname", "-m"]
                    """).commit("x86 binaries, one in a folder only uid 1000 may read");
            ArchBuildRequest request = request(Platform.LINUX_PPC64LE, liar);
            send(kafka, request);
            Pod pod = awaitPod(request);
            LocalKubelet.Run run = kubelet(pod);
            assertThat(run.status().getPhase()).isEqualTo("Failed");

            ArchBuildEvent result = result(kafka, request);
            assertThat(result.error().code()).isEqualTo(BuildErrorCode.ARCH_MISMATCH);
            assertThat(result.error().message())
                    .startsWith("the image claims linux/ppc64le but holds executables for another machine: ")
                    .contains("/bin/busybox (x86-64 64-bit)").contains("/hidden/tool (x86-64 64-bit)");
            assertThat(tagExists(WorkerFixture.open, request)).isFalse();
            awaitDeleted(pod);
        }
    }

    @Test
    void aBundleFromTheCliIsRefusedSayingItNeedsAWorkerWithTheBuildahExecutor() {
        ArchBuildRequest request = WorkerFixture.bundleRequest(Platform.LINUX_PPC64LE,
                WorkerFixture.open.hostPort() + "/worker/contexts@sha256:" + "ab".repeat(32));
        send(kafka, request);

        ArchBuildEvent result = result(kafka, request);

        assertThat(result.type()).isEqualTo(ArchBuildEvent.Type.FAILED);
        assertThat(result.error().code()).isEqualTo(BuildErrorCode.INVALID_REQUEST);
        assertThat(result.error().message()).contains("needs a worker with the buildah executor for linux/ppc64le");
        assertThat(pods(request)).as("no pod was made").isEmpty();
    }

    @Test
    void aPodPastItsDeadlineIsATimeoutAndAPodDeletedByOthersFailsTheBuild() {
        ArchBuildRequest late = request(Platform.LINUX_PPC64LE, app);
        send(kafka, late);
        Pod pod = awaitPod(late);
        serveLogs(pod, "fetched " + late.source().commit() + "\n", "STEP 1/5: FROM scratch\n");
        setStatus(pod, new PodStatusBuilder().withPhase("Failed").withReason("DeadlineExceeded")
                .withMessage("Pod was active on the node longer than the specified deadline").build());
        ArchBuildEvent timedOut = result(kafka, late);
        assertThat(timedOut.error().code()).isEqualTo(BuildErrorCode.TIMEOUT);
        assertThat(timedOut.error().logTail()).containsExactly("fetched " + late.source().commit(), "STEP 1/5: FROM scratch");
        awaitDeleted(pod);

        ArchBuildRequest deleted = request(Platform.LINUX_PPC64LE, app);
        send(kafka, deleted);
        Pod gone = awaitPod(deleted);
        server.getClient().pods().inNamespace(NAMESPACE).withName(gone.getMetadata().getName()).delete();
        ArchBuildEvent failed = result(kafka, deleted);
        assertThat(failed.error().code()).isEqualTo(BuildErrorCode.INTERNAL);
        assertThat(failed.error().message()).contains("was deleted before it finished");
    }

    @Test
    void theBuildContainersLogIsFollowedWhileItRuns() {
        ArchBuildRequest request = request(Platform.LINUX_PPC64LE, app);
        send(kafka, request);
        Pod pod = awaitPod(request);
        String path = "/api/v1/namespaces/" + NAMESPACE + "/pods/" + pod.getMetadata().getName() + "/log?pretty=false";
        String streamed = "STEP 1/5: FROM scratch\nstreamed-while-running " + request.buildId() + "\n";
        server.expect().get().withPath(path + "&follow=true&container=build").andReturn(200, streamed).always();
        server.expect().get().withPath(path + "&container=build&follow=true").andReturn(200, streamed).always();
        serveLogs(pod, "fetched " + request.source().commit() + "\n", "the log read after the end\n");
        setStatus(pod,
                new PodStatusBuilder().withPhase("Running").withInitContainerStatuses(LocalKubelet.terminated("fetch", 0, ""))
                        .withContainerStatuses(LocalKubelet.running("build")).build());

        await().atMost(Duration.ofSeconds(20))
                .until(() -> !logs.linesContaining("streamed-while-running " + request.buildId()).isEmpty());
        assertThat(server.getClient().pods().inNamespace(NAMESPACE).withName(pod.getMetadata().getName()).get())
                .as("the line reached the worker's log while the pod still ran").isNotNull();

        setStatus(pod,
                new PodStatusBuilder().withPhase("Failed").withInitContainerStatuses(LocalKubelet.terminated("fetch", 0, ""))
                        .withContainerStatuses(LocalKubelet.terminated("build", 20, "error building")).build());
        ArchBuildEvent result = result(kafka, request);
        assertThat(result.error().code()).isEqualTo(BuildErrorCode.BUILD_FAILED);
        assertThat(result.error().logTail()).contains("streamed-while-running " + request.buildId())
                .doesNotContain("the log read after the end").noneMatch(line -> line.contains("\"kind\""));
        assertThat(logs.linesContaining("streamed-while-running " + request.buildId())).as("each line logged once").hasSize(1);
        awaitDeleted(pod);
    }

    @Test
    void aCancelDeletesThePod() {
        ArchBuildRequest request = request(Platform.LINUX_PPC64LE, app);
        send(kafka, request);
        Pod pod = awaitPod(request);
        WorkerFixture.cancel(kafka, request);
        ArchBuildEvent result = result(kafka, request);
        assertThat(result.error().code()).isEqualTo(BuildErrorCode.CANCELLED);
        awaitDeleted(pod);
        assertThat(logs.linesContaining("build " + request.buildId()))
                .anySatisfy(line -> assertThat(line).contains("cancelled"));
    }

    private Pod awaitPod(ArchBuildRequest request) {
        await().atMost(Duration.ofSeconds(30)).until(() -> !pods(request).isEmpty());
        List<Pod> pods = pods(request);
        assertThat(pods).hasSize(1);
        return pods.get(0);
    }

    private List<Pod> pods(ArchBuildRequest request) {
        return server.getClient().pods().inNamespace(NAMESPACE).withLabel(BuildPodSpec.LABEL_BUILD, request.buildId()).list()
                .getItems();
    }

    private void awaitDeleted(Pod pod) {
        await().atMost(Duration.ofSeconds(30))
                .until(() -> server.getClient().pods().inNamespace(NAMESPACE).withName(pod.getMetadata().getName())
                        .get() == null);
    }

    private LocalKubelet.Run kubelet(Pod pod) {
        LocalKubelet.Run run = LocalKubelet.run(pod, Map.of("registry-auth", Map.of(".dockerconfigjson", "{\"auths\": {}}")));
        serveLogs(pod, run.fetchLog(), run.buildLog());
        setStatus(pod, run.status());
        return run;
    }

    /** What the kubelet would answer on {@code pods/<name>/log} for each container. */
    private void serveLogs(Pod pod, String fetchLog, String buildLog) {
        String path = "/api/v1/namespaces/" + NAMESPACE + "/pods/" + pod.getMetadata().getName()
                + "/log?pretty=false&container=";
        server.expect().get().withPath(path + "fetch").andReturn(200, fetchLog).always();
        server.expect().get().withPath(path + "build").andReturn(200, buildLog).always();
    }

    private void setStatus(Pod pod, PodStatus status) {
        Pod current = server.getClient().pods().inNamespace(NAMESPACE).withName(pod.getMetadata().getName()).get();
        current.setStatus(status);
        server.getClient().pods().inNamespace(NAMESPACE).resource(current).updateStatus();
    }
}
