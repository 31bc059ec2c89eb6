package dev.archipelago.model;

import static dev.archipelago.model.Platform.LINUX_AMD64;
import static dev.archipelago.model.Platform.LINUX_ARM_V7;
import static dev.archipelago.model.Platform.LINUX_PPC64LE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class TagTemplateTest {

    @Test
    void defaultsToTagDashArchAndAnIndexUnderTheTag() {
        TagTemplate.Plan plan = TagTemplate.plan("v1", null, null, null, List.of(LINUX_PPC64LE, LINUX_AMD64, LINUX_ARM_V7));
        assertThat(plan.archTag(LINUX_AMD64)).isEqualTo("v1-amd64");
        assertThat(plan.archTag(LINUX_PPC64LE)).isEqualTo("v1-ppc64le");
        assertThat(plan.archTag(LINUX_ARM_V7)).isEqualTo("v1-arm-v7");
        assertThat(plan.indexTags()).containsExactly("v1");
    }

    @Test
    void expressesTheTutorialsNaming() {
        TagTemplate.Plan plan = TagTemplate.plan("gitlab-pyflask", "{tag}-{arch}", Map.of("x86", "gitlab-pyflask-x86"),
                List.of("gitlab-pyflask-multiarch"), List.of(LINUX_AMD64, LINUX_PPC64LE));
        assertThat(plan.archTag(LINUX_AMD64)).isEqualTo("gitlab-pyflask-x86");
        assertThat(plan.archTag(LINUX_PPC64LE)).isEqualTo("gitlab-pyflask-ppc64le");
        assertThat(plan.indexTags()).containsExactly("gitlab-pyflask-multiarch");
    }

    @Test
    void rendersOtherTemplates() {
        TagTemplate.Plan plan = TagTemplate.plan("1.0", "{arch}_{tag}", null, List.of("1.0", "latest"), List.of(LINUX_AMD64));
        assertThat(plan.archTag(LINUX_AMD64)).isEqualTo("amd64_1.0");
        assertThat(plan.indexTags()).containsExactly("1.0", "latest");
    }

    @Test
    void refusesTemplatesAndTagsThatCannotWork() {
        List<Platform> two = List.of(LINUX_AMD64, LINUX_PPC64LE);
        assertThatThrownBy(() -> TagTemplate.plan("v1", "{tag}", null, null, two)).hasMessageContaining("must contain {arch}");
        assertThatThrownBy(() -> TagTemplate.plan("v1", "{tag}-{branch}-{arch}", null, null, two))
                .hasMessageContaining("unknown placeholder {branch}");
        assertThatThrownBy(() -> TagTemplate.plan("v1", null, Map.of("amd64", "same", "ppc64le", "same"), null, two))
                .hasMessageContaining("would both be tagged 'same'");
        assertThatThrownBy(() -> TagTemplate.plan("v1", null, null, List.of("v1-amd64"), two))
                .hasMessageContaining("index tag 'v1-amd64' is also the tag of platform linux/amd64");
        assertThatThrownBy(() -> TagTemplate.plan("v1", null, Map.of("s390x", "z"), null, two))
                .hasMessageContaining("not one of the requested platforms");
        assertThatThrownBy(() -> TagTemplate.plan("v1", null, null, List.of("a", "a"), two))
                .hasMessageContaining("listed twice");
        assertThatThrownBy(() -> TagTemplate.plan("v1", null, null, List.of("bad tag"), two))
                .hasMessageContaining("is invalid");
        assertThatThrownBy(() -> TagTemplate.plan("t".repeat(125), null, null, null, List.of(LINUX_PPC64LE)))
                .hasMessageContaining("the limit is 128");
    }
}
