package dev.archipelago.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A local stack on free ports for one test class, with its API client and the pushed busybox base image. */
record RunningStack(LocalStack stack, StackClient api, String base) implements AutoCloseable {

    static RunningStack start(String name) {
        return start(name, LocalStack.Options.PLAIN);
    }

    static RunningStack start(String name, LocalStack.Options options) {
        Path repoRoot = Path.of(System.getProperty("archipelago.repo.root", "..")).toAbsolutePath().normalize();
        try {
            LocalStack stack = LocalStack.start(repoRoot, Files.createTempDirectory(name), LocalStack.Ports.free(),
                    System.out::println, options);
            return new RunningStack(stack, stack.api(), stack.pushBaseImage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stack.close();
    }
}
