package dev.archipelago.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A local stack on free ports for one test class, with its API client and the pushed busybox base
 * image: started before the class's first test and stopped after its last. A test class declares
 * it once, {@code @RegisterExtension static final RunningStack running = new RunningStack("name")}.
 */
final class RunningStack implements BeforeAllCallback, AfterAllCallback {

    private final String name;
    private final LocalStack.Options options;
    private LocalStack stack;
    private StackClient api;
    private String base;

    RunningStack(String name) {
        this(name, LocalStack.Options.PLAIN);
    }

    RunningStack(String name, LocalStack.Options options) {
        this.name = name;
        this.options = options;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        Path repoRoot = Path.of(System.getProperty("archipelago.repo.root", "..")).toAbsolutePath().normalize();
        try {
            stack = LocalStack.start(repoRoot, Files.createTempDirectory(name), LocalStack.Ports.free(), System.out::println,
                    options);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        api = stack.api();
        base = stack.pushBaseImage();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (stack != null) {
            stack.close();
        }
    }

    LocalStack stack() {
        return stack;
    }

    StackClient api() {
        return api;
    }

    /** The busybox base image pushed to the stack's registry, for FROM lines. */
    String base() {
        return base;
    }
}
