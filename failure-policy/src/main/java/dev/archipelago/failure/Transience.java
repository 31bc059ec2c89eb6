package dev.archipelago.failure;

import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.List;
import java.util.concurrent.TimeoutException;

import jakarta.transaction.SystemException;

import org.apache.kafka.common.errors.RetriableException;

import dev.archipelago.model.json.EventDecodingException;

/**
 * Which failures pass by themselves: a dependency (database, broker, registry) that is down,
 * restarting or overloaded. Decided by the exception's type and, for SQL, its SQLSTATE class,
 * along the chain of causes; the first exception of ours that classifies itself
 * ({@link ClassifiedFailure}) decides before any of its causes. Anything else is not transient:
 * a record that cannot be decoded, a request that is invalid, a bug.
 */
public final class Transience {

    /**
     * SQLSTATE classes and codes that a database that is away or busy answers: connection
     * exceptions (08), insufficient resources (53), operator intervention such as a shutdown
     * (57P01-57P05), a cancelled statement (57014), serialization failures and deadlocks (40001,
     * 40P01) and a lock not available (55P03).
     */
    private static final List<String> TRANSIENT_SQL_STATES = List.of("08", "53", "57P", "57014", "40001", "40P01", "55P03");

    private Transience() {
    }

    public static boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ClassifiedFailure classified) {
                return classified.isTransient();
            }
            if (t instanceof EventDecodingException) {
                return false;
            }
            if (isTransientType(t)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the failure, or one of its causes, is one of ours that says it will fail again however often it is tried. */
    public static boolean isPermanent(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ClassifiedFailure classified) {
                return !classified.isTransient();
            }
            if (t instanceof EventDecodingException) {
                return true;
            }
        }
        return false;
    }

    private static boolean isTransientType(Throwable t) {
        if (t instanceof SQLTransientException || t instanceof SQLRecoverableException
                || t instanceof SQLNonTransientConnectionException) {
            return true;
        }
        if (t instanceof SQLException sql && sql.getSQLState() != null) {
            String state = sql.getSQLState();
            return TRANSIENT_SQL_STATES.stream().anyMatch(state::startsWith);
        }
        return t instanceof SocketException || t instanceof SocketTimeoutException || t instanceof HttpTimeoutException
                || t instanceof UnknownHostException || t instanceof TimeoutException
                || t instanceof RetriableException || t instanceof SystemException;
    }
}
