package dev.archipelago.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedactionTest {

    @Test
    void masksUserInfoInEveryUrlAndNothingElse() {
        assertThat(Redaction.maskUrlCredentials("fetch https://robot:s3cret@gitlab.com/a.git and ssh://git@host/b.git failed"))
                .isEqualTo("fetch https://***@gitlab.com/a.git and ssh://***@host/b.git failed");
        assertThat(Redaction.maskUrlCredentials("https://gitlab.com/a.git user@example.com"))
                .isEqualTo("https://gitlab.com/a.git user@example.com");
        assertThat(Redaction.maskUrlCredentials(null)).isNull();
    }
}
