package dev.archipelago.cli.context;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class IgnoreRulesTest {

    @Test
    void patternsFollowDockersRules() {
        IgnoreRules rules = IgnoreRules.parse(List.of(
                "# comments and blank lines are skipped", "",
                "*.secret", "/build", "**/node_modules", "docs/*.md", "!docs/README.md", "tmp?"), ".dockerignore");

        assertThat(rules.excludes("api.secret")).isTrue();
        assertThat(rules.excludes("sub/api.secret")).as("* stays within a segment").isFalse();
        assertThat(rules.excludes("build")).as("a leading / is dropped").isTrue();
        assertThat(rules.excludes("build/out/app.jar")).as("a folder's contents go with it").isTrue();
        assertThat(rules.excludes("node_modules/x/index.js")).isTrue();
        assertThat(rules.excludes("web/app/node_modules/y.js")).as("** crosses folders").isTrue();
        assertThat(rules.excludes("docs/guide.md")).isTrue();
        assertThat(rules.excludes("docs/README.md")).as("! takes back").isFalse();
        assertThat(rules.excludes("tmp1")).isTrue();
        assertThat(rules.excludes("tmp12")).isFalse();
        assertThat(rules.excludes("src/Main.java")).isFalse();
        assertThat(rules.hasExceptions()).isTrue();
    }

    @Test
    void theLastMatchingPatternDecides() {
        IgnoreRules rules = IgnoreRules.parse(List.of("*.log", "!keep.log", "keep.log"), ".dockerignore");
        assertThat(rules.excludes("keep.log")).isTrue();
        assertThat(rules.excludes("other.log")).isTrue();
    }

    @Test
    void classesAndEscapes() {
        IgnoreRules rules = IgnoreRules.parse(List.of("file[0-9].txt", "star\\*.txt"), ".dockerignore");
        assertThat(rules.excludes("file7.txt")).isTrue();
        assertThat(rules.excludes("fileA.txt")).isFalse();
        assertThat(rules.excludes("star*.txt")).isTrue();
        assertThat(rules.excludes("starX.txt")).isFalse();
    }
}
