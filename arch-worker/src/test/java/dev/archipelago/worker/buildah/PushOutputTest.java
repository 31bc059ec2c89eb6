package dev.archipelago.worker.buildah;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Telling a registry that refuses the credentials from one that is down, in buildah's own words. */
class PushOutputTest {

    @Test
    void aRegistryThatIsDownIsNotTakenForRefusedCredentialsEvenWhenADigestContains401() {
        String down = """
                copying blob sha256:5f70bf18a0860070401e948b04aed3b82103a36bea41755b6cddfaf10ace403c
                error: pushing image "localhost/exp:1" to "docker://127.0.0.1:40135/x:y": pinging container registry \
                127.0.0.1:40135: get "http://127.0.0.1:40135/v2/": dial tcp 127.0.0.1:40135: connect: connection refused""";
        assertThat(BuildahCommands.refusedCredentials(down)).isFalse();
    }

    @Test
    void refusedCredentialsAreRecognised() {
        for (String refused : new String[] {
                "error: pushing image: writing blob: initiating layer upload to /v2/x/blobs/uploads/ in 127.0.0.1:5000: unauthorized: authentication required",
                "error: requested access to the resource is denied",
                "error: unexpected status code 403 (forbidden)",
                "invalid status code from registry 401 (unauthorized)" }) {
            assertThat(BuildahCommands.refusedCredentials(refused)).as(refused).isTrue();
        }
    }
}
