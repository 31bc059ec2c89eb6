package dev.archipelago.worker;

import static dev.archipelago.worker.WorkerFixture.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

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
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** A ppc64le worker on this amd64 host, building under QEMU: results say so, and the content is checked. */
@QuarkusTest
@TestProfile(EmulatedWorkerTest.Ppc64le.class)
@WithTestResource(KafkaBrokerResource.class)
class EmulatedWorkerTest {

    public static class Ppc64le implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Tools.requireEmulation(Platform.LINUX_PPC64LE);
            return WorkerFixture.config("ppc64el", true);
        }
    }

    @InjectKafkaClient
    KafkaTestClient kafka;

    @Test
    void buildsPpc64leUnderEmulationAndSaysSo() throws Exception {
        try (ScratchGitRepository app = busyboxRepository(Platform.LINUX_PPC64LE, "")) {
            ArchBuildRequest request = request(Platform.LINUX_PPC64LE, app);
            send(kafka, request);

            ArchBuildEvent result = result(kafka, request);

            assertThat(result.type()).as(String.valueOf(result.error())).isEqualTo(ArchBuildEvent.Type.SUCCEEDED);
            assertThat(result.emulated()).isTrue();
            assertThat(result.filesVerified()).isGreaterThanOrEqualTo(1);
            assertThat(Skopeo.inspect(request.image().repository() + ":" + request.image().archTag(), "--config")
                    .path("architecture").asText()).isEqualTo("ppc64le");
        }
    }

    @Test
    void anX86BinaryInAnImageClaimedAsPpc64leFailsWithArchMismatchAndIsNotPushed() {
        ScratchGitRepository liar = ScratchGitRepository.create();
        try (liar) {
            liar.copy(Tools.busybox(Platform.LINUX_AMD64), "busybox")
                    .write("Dockerfile", "FROM scratch\nCOPY busybox /bin/busybox\nCMD [\"/bin/busybox\", \"uname\", \"-m\"]\n")
                    .commit("x86 binary, no RUN step, so nothing runs it during the build");
            ArchBuildRequest request = request(Platform.LINUX_PPC64LE, liar);
            send(kafka, request);

            ArchBuildEvent result = result(kafka, request);

            assertThat(result.error().code()).isEqualTo(BuildErrorCode.ARCH_MISMATCH);
            assertThat(result.error().message()).contains("/bin/busybox").contains("x86-64");
            assertThat(tagExists(open, request)).isFalse();
        }
    }
}
