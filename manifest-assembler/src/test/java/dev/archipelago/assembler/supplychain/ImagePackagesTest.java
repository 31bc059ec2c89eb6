package dev.archipelago.assembler.supplychain;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The package databases an SBOM is read from, each format and each way it can be broken. */
class ImagePackagesTest {

    @Test
    void readsAlpinesDatabaseAndPythonDistributionsWithTheirPackageUrls() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("lib/apk/db/installed", bytes("""
                C:Q1abc=
                P:musl
                V:1.2.4-r2
                A:ppc64le

                C:Q1def=
                P:busybox
                V:1.36.1-r5
                A:ppc64le

                P:no-version
                """));
        files.put("etc/os-release", bytes("NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\n"));
        files.put("usr/lib/python3.11/site-packages/Flask-3.0.0.dist-info/METADATA",
                bytes("Metadata-Version: 2.1\nName: Flask\nVersion: 3.0.0\n\nbody"));
        files.put("usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO", bytes("Name: six\nVersion: 1.16.0\n"));
        files.put("usr/lib/python3/dist-packages/broken.dist-info/METADATA", bytes("Summary: no name\n"));

        ImagePackages.Result result = ImagePackages.read(files);

        assertThat(result.packages()).extracting(p -> p.type() + ":" + p.name() + "@" + p.version())
                .containsExactly("apk:busybox@1.36.1-r5", "apk:musl@1.2.4-r2", "pypi:Flask@3.0.0", "pypi:six@1.16.0");
        assertThat(result.warnings())
                .anySatisfy(w -> assertThat(w).contains("lib/apk/db/installed: 1 record(s) without a P or V line"))
                .anySatisfy(w -> assertThat(w).contains("broken.dist-info/METADATA: no Name or Version header"));
        assertThat(CycloneDxSbom.purl(result.packages().get(1), result))
                .isEqualTo("pkg:apk/alpine/musl@1.2.4-r2?arch=ppc64le&distro=alpine-3.19.1");
        assertThat(CycloneDxSbom.purl(result.packages().get(2), result)).isEqualTo("pkg:pypi/flask@3.0.0");
    }

    @Test
    void listsOnlyInstalledDebianPackagesAndSaysWhatItCouldNotRead() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("var/lib/dpkg/status", bytes("""
                Package: bash
                Status: install ok installed
                Architecture: amd64
                Version: 5.2.15-2+b2
                Description: GNU Bourne Again SHell
                 a continuation line

                Package: removed
                Status: deinstall ok config-files
                Version: 1.0

                Status: install ok installed
                Version: 9.9
                """));
        files.put("var/lib/dpkg/status.d/distroless", bytes("Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n"));
        files.put("var/lib/rpm/rpmdb.sqlite", new byte[] { 1, 2, 3 });

        ImagePackages.Result result = ImagePackages.read(files);

        assertThat(result.packages()).extracting(p -> p.name() + "@" + p.version() + "/" + p.arch())
                .containsExactly("bash@5.2.15-2+b2/amd64", "tzdata@2024a-0+deb12u1/all");
        assertThat(result.warnings())
                .anySatisfy(w -> assertThat(w).isEqualTo("/var/lib/dpkg/status: 1 entry without a Package or Version "
                        + "field could not be read and is not listed"))
                .anySatisfy(
                        w -> assertThat(w).contains("/var/lib/rpm/rpmdb.sqlite: an RPM database; its packages are not listed"));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
