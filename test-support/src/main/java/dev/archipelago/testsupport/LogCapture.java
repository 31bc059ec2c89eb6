package dev.archipelago.testsupport;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Captures every log record of this JVM (message, parameters and stack traces formatted) while
 * it is open, so that tests can prove that no secret reaches a log line. A test class declares it
 * once, {@code @RegisterExtension static final LogCapture logs = new LogCapture()}: it captures
 * from then on and stops after the class's {@code @AfterAll} methods, which may still read it.
 */
public final class LogCapture implements AutoCloseable, AfterAllCallback {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            StringBuilder line = new StringBuilder(String.valueOf(record.getMessage()));
            if (record.getParameters() != null) {
                for (Object parameter : record.getParameters()) {
                    line.append(' ').append(parameter);
                }
            }
            for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
                line.append(" | ").append(t);
            }
            lines.add(line.toString());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    public LogCapture() {
        handler.setLevel(Level.ALL);
        Logger.getLogger("").addHandler(handler);
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** The captured lines that contain the text. */
    public List<String> linesContaining(String text) {
        return lines.stream().filter(l -> l.contains(text)).toList();
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(handler);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }
}
