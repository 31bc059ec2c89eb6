package dev.archipelago.failure;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.sql.SQLException;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;

import dev.archipelago.model.json.EventDecodingException;

class TransienceTest {

    @Test
    void aDatabaseThatIsAwayOrBusyIsTransient() {
        assertThat(Transience
                .isTransient(new PSQLException("Connection to 127.0.0.1:5432 refused", PSQLState.CONNECTION_UNABLE_TO_CONNECT,
                        new ConnectException("Connection refused"))))
                .isTrue();
        assertThat(Transience.isTransient(new SQLException("terminating connection due to administrator command", "57P01")))
                .isTrue();
        assertThat(Transience.isTransient(new SQLException("the database system is starting up", "57P03"))).isTrue();
        assertThat(Transience.isTransient(new SQLException("I/O error", "08006"))).isTrue();
        assertThat(Transience.isTransient(new SQLException("deadlock detected", "40P01"))).isTrue();
        assertThat(Transience.isTransient(new SQLException("too many connections", "53300"))).isTrue();
    }

    @Test
    void aWrappedCauseCountsAsItself() {
        RuntimeException wrapped = new RuntimeException("could not execute statement",
                new IllegalStateException("JDBC", new SQLException("connection lost", "08003")));
        assertThat(Transience.isTransient(wrapped)).isTrue();
        assertThat(Transience.isTransient(new RuntimeException(new TimeoutException("acquisition timeout")))).isTrue();
        assertThat(Transience.isTransient(new RuntimeException(new NotEnoughReplicasException("broker")))).isTrue();
    }

    @Test
    void constraintViolationsBadInputAndBugsAreNot() {
        assertThat(Transience.isTransient(new SQLException("duplicate key value violates unique constraint", "23505")))
                .isFalse();
        assertThat(Transience.isTransient(new SQLException("no state"))).isFalse();
        assertThat(Transience.isTransient(new EventDecodingException("field 'buildId' is missing"))).isFalse();
        assertThat(Transience.isTransient(new NullPointerException())).isFalse();
        assertThat(Transience.isTransient(new IllegalArgumentException("bad"))).isFalse();
    }

    @Test
    void ourOwnExceptionsDecideBeforeTheirCauses() {
        ClassifiedFailure refused = new Refused(new ConnectException("would be transient"));
        assertThat(Transience.isTransient((Throwable) refused)).isFalse();
        assertThat(Transience.isPermanent((Throwable) refused)).isTrue();
        DependencyUnavailable away = new DependencyUnavailable("the broker did not acknowledge",
                new IllegalStateException("x"));
        assertThat(Transience.isTransient(away)).isTrue();
        assertThat(Transience.isPermanent(away)).isFalse();
        assertThat(Transience.isPermanent(new RuntimeException(new EventDecodingException("bad")))).isTrue();
        assertThat(Transience.isPermanent(new NullPointerException())).as("a bug is neither: tried a few times").isFalse();
    }

    private static final class Refused extends RuntimeException implements ClassifiedFailure {
        Refused(Throwable cause) {
            super("refused", cause);
        }

        @Override
        public boolean isTransient() {
            return false;
        }
    }
}
