package dev.archipelago.worker.kafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import javax.security.auth.callback.Callback;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;

import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;

/**
 * Gives the Kafka client its SASL (SCRAM) user name and password, the password read from a file
 * each time a connection authenticates or re-authenticates rather than once at start. A worker on
 * another cluster gets its password as a mounted Secret; when the platform rotates the password
 * (the hub's KafkaUser, then the copy on the worker cluster), the kubelet rewrites the file and the
 * running worker's next authentication uses the new one, with no restart.
 *
 * <p>
 * Configured through the JAAS options of {@code sasl.jaas.config}: {@code username} and
 * {@code password_file}.
 */
public class PasswordFileCallbackHandler implements AuthenticateCallbackHandler {

    private String username;
    private Path passwordFile;

    @Override
    public void configure(Map<String, ?> configs, String saslMechanism, List<AppConfigurationEntry> jaasConfigEntries) {
        if (jaasConfigEntries.size() != 1) {
            throw new IllegalArgumentException(
                    "sasl.jaas.config must hold exactly one login module, not " + jaasConfigEntries.size());
        }
        Map<String, ?> options = jaasConfigEntries.get(0).getOptions();
        Object user = options.get("username");
        Object file = options.get("password_file");
        if (!(user instanceof String name) || name.isBlank() || !(file instanceof String path) || path.isBlank()) {
            throw new IllegalArgumentException("sasl.jaas.config needs the options username and password_file");
        }
        this.username = name;
        this.passwordFile = Path.of(path);
    }

    @Override
    public void handle(Callback[] callbacks) throws IOException, UnsupportedCallbackException {
        for (Callback callback : callbacks) {
            if (callback instanceof NameCallback name) {
                name.setName(username);
            } else if (callback instanceof PasswordCallback password) {
                password.setPassword(readPassword());
            } else {
                throw new UnsupportedCallbackException(callback);
            }
        }
    }

    private char[] readPassword() throws IOException {
        if (!Files.isReadable(passwordFile)) {
            // the path only: the message reaches the client's log
            throw new IOException("the Kafka password file " + passwordFile + " is missing or unreadable");
        }
        String password = Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
        if (password.isEmpty()) {
            throw new IOException("the Kafka password file " + passwordFile + " is empty");
        }
        return password.toCharArray();
    }

    @Override
    public void close() {
        // nothing held open
    }
}
