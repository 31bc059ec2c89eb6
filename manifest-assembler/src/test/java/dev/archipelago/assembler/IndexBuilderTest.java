package dev.archipelago.assembler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.archipelago.assembler.service.IndexBuilder;
import dev.archipelago.model.MediaTypes;
import dev.archipelago.model.Platform;

class IndexBuilderTest {

    private static final IndexBuilder.Child AMD64 = new IndexBuilder.Child(Platform.LINUX_AMD64, "sha256:" + "a".repeat(64),
            MediaTypes.OCI_MANIFEST, 500, false);
    private static final IndexBuilder.Child PPC64LE = new IndexBuilder.Child(Platform.LINUX_PPC64LE, "sha256:" + "b".repeat(64),
            MediaTypes.OCI_MANIFEST, 501, true);
    private static final IndexBuilder.Child ARM = new IndexBuilder.Child(Platform.LINUX_ARM_V7, "sha256:" + "c".repeat(64),
            MediaTypes.OCI_MANIFEST, 502, false);

    @Test
    void theSameChildrenInAnyOrderGiveTheSameBytes() {
        Map<String, String> a = new LinkedHashMap<>(Map.of("x", "1"));
        a.put("y", "2");
        Map<String, String> b = new LinkedHashMap<>(Map.of("y", "2"));
        b.put("x", "1");

        IndexBuilder.Index first = IndexBuilder.build(List.of(PPC64LE, ARM, AMD64), a);
        IndexBuilder.Index second = IndexBuilder.build(List.of(AMD64, PPC64LE, ARM), b);

        assertThat(first.bytes()).isEqualTo(second.bytes());
        assertThat(first.digest()).isEqualTo(second.digest());
        String json = new String(first.bytes(), StandardCharsets.UTF_8);
        assertThat(json.indexOf("\"amd64\"")).isLessThan(json.indexOf("\"arm\"")).isLessThan(json.indexOf("\"ppc64le\""));
        assertThat(json).contains("\"variant\":\"v7\"").contains("{\"dev.archipelago.emulated\":\"true\"}");
    }

    @Test
    void dockerChildrenGiveAListWithoutAnnotations() {
        IndexBuilder.Index index = IndexBuilder.build(List.of(
                new IndexBuilder.Child(Platform.LINUX_AMD64, AMD64.digest(), MediaTypes.DOCKER_MANIFEST, 1, false),
                new IndexBuilder.Child(Platform.LINUX_PPC64LE, PPC64LE.digest(), MediaTypes.DOCKER_MANIFEST, 1, true)),
                Map.of("dev.archipelago.build-id", "b"));
        assertThat(index.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST_LIST);
        assertThat(new String(index.bytes(), StandardCharsets.UTF_8)).doesNotContain("annotations");
    }

    @Test
    void refusesMixedFormatsAndIndexesAsChildren() {
        assertThatThrownBy(() -> IndexBuilder.build(List.of(AMD64,
                new IndexBuilder.Child(Platform.LINUX_PPC64LE, PPC64LE.digest(), MediaTypes.DOCKER_MANIFEST, 1, false)),
                Map.of()))
                .isInstanceOf(IndexBuilder.MixedFormatsException.class).hasMessageContaining("mix");
        assertThatThrownBy(() -> IndexBuilder.build(List.of(
                new IndexBuilder.Child(Platform.LINUX_AMD64, AMD64.digest(), MediaTypes.OCI_INDEX, 1, false)), Map.of()))
                .hasMessageContaining("not a single-platform image manifest");
    }
}
