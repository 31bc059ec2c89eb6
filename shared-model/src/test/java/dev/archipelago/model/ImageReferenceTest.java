package dev.archipelago.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageReferenceTest {

    private static final String HEX64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            ubuntu                                   | docker.io/library/ubuntu
            ubuntu:22.04                             | docker.io/library/ubuntu:22.04
            docker.io/ubuntu                         | docker.io/library/ubuntu
            docker.io/library/ubuntu:latest          | docker.io/library/ubuntu:latest
            org/app                                  | docker.io/org/app
            localhost/app                            | localhost/app
            localhost:5000/a/b:t                     | localhost:5000/a/b:t
            localhost:5000/a                         | localhost:5000/a
            127.0.0.1:5000/demos:gitlab-pyflask-x86  | 127.0.0.1:5000/demos:gitlab-pyflask-x86
            quay.io/org/demos:gitlab-pyflask         | quay.io/org/demos:gitlab-pyflask
            quay.io/org/repo@sha256:%s               | quay.io/org/repo@sha256:%s
            quay.io/org/repo:v1@sha256:%s            | quay.io/org/repo:v1@sha256:%s
            registry.example.com:443/team/sub/img:1  | registry.example.com:443/team/sub/img:1
            my-registry.local/a_b/c.d/e--f/g__h:T_1  | my-registry.local/a_b/c.d/e--f/g__h:T_1
            [::1]:5000/app:dev                       | [::1]:5000/app:dev
            ghcr.io/o/app:1.2.3-rc.1                 | ghcr.io/o/app:1.2.3-rc.1
            quay.io/o/app:_underscore                | quay.io/o/app:_underscore
            gcr.io/p/a/b/c/d/e:x                     | gcr.io/p/a/b/c/d/e:x
            a.b/c                                    | a.b/c
            x/y/z                                    | docker.io/x/y/z
            """)
    void parsesValidReferencesToTheirCanonicalForm(String input, String canonical) {
        assertThat(ImageReference.parse(input.formatted(HEX64, HEX64)).toString()).isEqualTo(canonical.formatted(HEX64, HEX64));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            Foo/bar                           | must be lower case
            quay.io/Org/app                   | must be lower case
            a//b                              | empty path component
            quay.io/a/                        | empty path component
            /a                                | empty path component
            quay.io/a:                        | empty tag
            quay.io/a@                        | empty digest
            quay.io/a:-dash                   | tag '-dash' is invalid
            quay.io/a:.dot                    | tag '.dot' is invalid
            quay.io/a:t@md5:abcdef            | digest algorithm 'md5' is not supported
            quay.io/a@sha256:abc              | must have 64 lower-case hex digits
            quay.io/a@sha256:%s               | must have 64 lower-case hex digits
            quay.io/a@sha512:%s               | must have 128 lower-case hex digits
            quay.io/a@nocolon                 | not of the form algorithm:hex
            quay.io/a-/b                      | path component 'a-' is invalid
            quay.io/_a                        | path component '_a' is invalid
            quay.io/a...b                     | path component 'a...b' is invalid
            quay.io:99999/a                   | port '99999' is not a number
            quay.io:port/a                    | port 'port' is not a number
            -bad.io/a                         | host component '-bad' is invalid
            bad..io/a                         | empty host name component
            localhost:5000/                   | repository name is empty
            'quay.io/a b'                     | path component 'a b' is invalid
            """)
    void refusesInvalidReferencesSayingWhatIsWrong(String input, String message) {
        String upperHex = HEX64.toUpperCase();
        assertThatThrownBy(() -> ImageReference.parse(input.formatted(upperHex)))
                .isInstanceOf(InvalidImageReferenceException.class)
                .hasMessageContaining(message);
    }

    @Test
    void refusesATagLongerThan128Characters() {
        String tag = "t".repeat(129);
        assertThatThrownBy(() -> ImageReference.parse("quay.io/org/app:" + tag))
                .hasMessageContaining("is 129 characters long; the limit is 128");
        assertThat(ImageReference.parse("quay.io/org/app:" + "t".repeat(128)).tag()).hasSize(128);
    }

    @Test
    void refusesEmptyAndBlankInput() {
        assertThatThrownBy(() -> ImageReference.parse("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> ImageReference.parse(" quay.io/a")).hasMessageContaining("blanks");
    }

    @Test
    void refusesANameLongerThan255Characters() {
        assertThatThrownBy(() -> ImageReference.parse("quay.io/" + "a".repeat(250)))
                .hasMessageContaining("longer than 255");
    }

    @Test
    void splitsIntoRegistryRepositoryTagAndDigest() {
        ImageReference ref = ImageReference.parse("localhost:5000/a/b:t@sha256:" + HEX64);
        assertThat(ref.registry()).isEqualTo("localhost:5000");
        assertThat(ref.repository()).isEqualTo("a/b");
        assertThat(ref.tag()).isEqualTo("t");
        assertThat(ref.digest()).isEqualTo("sha256:" + HEX64);
        assertThat(ref.manifestReference()).isEqualTo("sha256:" + HEX64);
        assertThat(ref.name()).isEqualTo("localhost:5000/a/b");
    }

    @Test
    void replacesTagOrDigest() {
        ImageReference repo = ImageReference.parseRepository("quay.io/org/demos");
        assertThat(repo.withTag("gitlab-pyflask-x86").toString()).isEqualTo("quay.io/org/demos:gitlab-pyflask-x86");
        assertThat(repo.withTag("x").withDigest("sha256:" + HEX64).toString()).isEqualTo("quay.io/org/demos@sha256:" + HEX64);
        assertThatThrownBy(() -> repo.withTag("bad tag")).isInstanceOf(InvalidImageReferenceException.class);
    }

    @Test
    void knowsWhereTheDockerHubApiLives() {
        assertThat(ImageReference.parse("ubuntu").apiHost()).isEqualTo("registry-1.docker.io");
        assertThat(ImageReference.parse("quay.io/a").apiHost()).isEqualTo("quay.io");
        assertThat(ImageReference.parse("ubuntu").manifestReference()).isEqualTo("latest");
    }

    @Test
    void repositoryOnlyRefusesTagsAndDigests() {
        assertThatThrownBy(() -> ImageReference.parseRepository("quay.io/org/demos:tag"))
                .hasMessageContaining("must name a repository only");
    }
}
