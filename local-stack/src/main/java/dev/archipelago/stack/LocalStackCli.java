package dev.archipelago.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;

import dev.archipelago.infra.Buildah;
import dev.archipelago.model.Platform;

/**
 * The run command: {@code demo [--once]} starts the stack, builds the example app's directory for
 * amd64 and ppc64le with the {@code archipelago} CLI, proves the index by running each platform's image, and leaves the stack
 * running (or
 * stops it with {@code --once}); {@code stop} stops a stack left running. Exits non-zero naming
 * the step that failed.
 */
public final class LocalStackCli {

    private LocalStackCli() {
    }

    public static void main(String[] args) {
        List<String> arguments = List.of(args);
        String command = arguments.isEmpty() || arguments.get(0).startsWith("--") ? "demo" : arguments.get(0);
        Path repoRoot = Path.of(System.getProperty("archipelago.repo.root", ".")).toAbsolutePath().normalize();
        Path home = Path
                .of(System.getenv().getOrDefault("ARCHIPELAGO_STACK_HOME", repoRoot.resolve(".local-stack").toString()));
        int code = switch (command) {
            case "stop" -> {
                System.out.println("stopped " + LocalStack.stopLeftRunning(home) + " processes of the stack in " + home);
                yield 0;
            }
            case "demo" -> demo(repoRoot, home, arguments.contains("--once"));
            case "images" -> images(repoRoot, home, arguments.subList(1, arguments.size()));
            default -> {
                System.err.println("usage: run-local.sh [demo] [--once] | stop | images [options of scripts/images.sh]");
                yield 2;
            }
        };
        System.exit(code);
    }

    private static int demo(Path repoRoot, Path home, boolean once) {
        if (LocalStack.running(home)) {
            System.err.println("A stack is already running from " + home + ": stop it with scripts/run-local.sh stop");
            return 1;
        }
        LocalStack stack = null;
        boolean leaveRunning = false;
        try {
            stack = step("start the stack", () -> LocalStack.start(repoRoot, home, LocalStack.Ports.fromEnvironment(),
                    line -> System.out.println("  " + line)));
            LocalStack running = stack;
            String base = step("push a multi-arch base image to the local registry", running::pushBaseImage);
            String repository = running.registryHost() + "/demos/hello-multiarch";
            Path example = repoRoot.resolve("examples/hello-multiarch");
            int exit = step("build examples/hello-multiarch with the CLI",
                    () -> runCli(running, "build", "-t", repository + ":latest",
                            "--platform", "linux/amd64,linux/ppc64le", "--allow-emulation", "--build-arg", "BASE=" + base,
                            "--timeout", "10m",
                            example.toString()));
            if (exit != 0) {
                throw new StepFailed("build examples/hello-multiarch with the CLI",
                        new LocalStack.StackException("archipelago build exited " + exit + " (the lines above say why)"));
            }
            JsonNode build = running.api().builds(1).get(0);
            build = running.api().build(build.path("id").asText());
            String index = build.path("index").path("reference").asText();
            System.out.println();
            System.out.println("Index:  " + repository + ":" + build.path("index").path("tags").get(0).asText());
            System.out.println("        " + index + "  (" + build.path("index").path("mediaType").asText() + ")");
            build.path("platforms").forEach(p -> System.out.println("Image:  " + p.path("image").asText() + "@"
                    + p.path("digest").asText() + "  " + p.path("platform").asText()
                    + (p.path("emulated").asBoolean() ? " (built under QEMU)" : "")));
            step("pull each platform from the index and run it", () -> {
                try (Buildah buildah = Buildah.isolated()) {
                    for (Platform platform : List.of(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE)) {
                        String output = buildah.runIn(index, platform, "/usr/local/bin/hello").strip();
                        System.out.println("  " + platform + ": " + output);
                        if (!output.startsWith("Hello from " + platform.unameMachine())) {
                            throw new LocalStack.StackException(platform + " printed '" + output + "'");
                        }
                    }
                }
                return null;
            });
            if (once) {
                System.out.println("\nDone (--once): stopping the stack.");
            } else {
                String management = "http://127.0.0.1:" + running.managementPort("build-dispatcher");
                String where = """

                        The stack is running (logs in %s):
                          dashboard   %s/  (API token: the admin token in %s)
                          API         %s/api/builds  (Authorization: Bearer $(cat %s))
                          Swagger UI  %s/q/swagger-ui/  (the dispatcher's management port)
                          health      %s/q/health
                          metrics     %s/q/metrics
                          registry    http://%s/v2/_catalog
                          Kafka       127.0.0.1:%d
                        Stop it with: scripts/run-local.sh stop""".formatted(home.resolve("logs"), running.dispatcher(),
                        home.resolve("api-token"), running.dispatcher(), home.resolve("api-token"), management, management,
                        management,
                        running.registryHost(), running.ports().kafka());
                // what it says is read from the stack before the stack lets go of its processes
                leaveRunning = true;
                running.detach();
                System.out.println(where);
            }
            return 0;
        } catch (StepFailed failed) {
            System.err.println("\nFAILED at step '" + failed.step + "': " + failed.getCause().getMessage());
            return 1;
        } finally {
            if (stack != null && !leaveRunning) {
                stack.close();
            }
        }
    }

    /**
     * {@code images [--push REGISTRY] [--tls-verify=false] [--base IMAGE] [--version V]}: starts a
     * stack of its own (free ports), builds the three services' images for amd64 and ppc64le with
     * the CLI, proves each index, pushes them or loads this machine's platform into the local
     * containers storage, and stops the stack.
     */
    private static int images(Path repoRoot, Path home, List<String> options) {
        String push = null;
        String base = null;
        String version = System.getProperty("archipelago.version", "0.1.0-SNAPSHOT");
        boolean tlsVerify = true;
        String signingKey = null;
        for (int i = 0; i < options.size(); i++) {
            String option = options.get(i);
            if (!option.equals("--tls-verify=false") && (i + 1 >= options.size() || options.get(i + 1).startsWith("--"))) {
                System.err
                        .println("images: '" + option + "' is not an option, or needs a value (see scripts/images.sh --help)");
                return 2;
            }
            switch (option) {
                case "--push" -> push = options.get(++i);
                case "--base" -> base = options.get(++i);
                case "--version" -> version = options.get(++i);
                case "--signing-key" -> signingKey = options.get(++i);
                case "--tls-verify=false" -> tlsVerify = false;
                default -> {
                    System.err.println("images: unknown option '" + option + "' (see scripts/images.sh --help)");
                    return 2;
                }
            }
        }
        if (LocalStack.running(home)) {
            System.err.println("A stack is already running from " + home + ": stop it with ARCHIPELAGO_STACK_HOME=" + home
                    + " scripts/run-local.sh stop");
            return 1;
        }
        long started = System.nanoTime();
        boolean succeeded = false;
        LocalStack.Options stackOptions = signingKey == null ? LocalStack.Options.PLAIN
                : LocalStack.Options.withEnvironment(
                        Map.of("manifest-assembler", Map.of("ARCHIPELAGO_ASSEMBLER_SIGNING_KEY_FILE",
                                Path.of(signingKey).toAbsolutePath().toString())));
        try (LocalStack stack = step("start a stack to build with",
                () -> LocalStack.start(repoRoot, home, LocalStack.Ports.free(),
                        line -> System.out.println("  " + line), stackOptions))) {
            ServiceImages images = new ServiceImages(stack, repoRoot, version, line -> System.out.println("  " + line));
            String given = base;
            String chosen = step("choose the base", () -> images.chooseBase(given));
            List<ServiceImages.Built> built = step("build " + String.join(", ", ServiceImages.SERVICES) + " with the CLI",
                    () -> images.build(chosen));
            String destination = push;
            boolean verify = tlsVerify;
            if (destination != null) {
                step("push every index to " + destination + ", with its provenance, SBOMs and signatures", () -> {
                    images.push(built, destination, verify);
                    return null;
                });
                if (signingKey == null) {
                    System.out.println("  signed with a key made for this run; its public half, to verify with:");
                    try {
                        System.out.print(Files.readString(stack.signingPublicKey()).indent(4));
                    } catch (IOException e) {
                        System.out.println("    (cannot read " + stack.signingPublicKey() + ": " + e.getMessage() + ")");
                    }
                }
            } else {
                step("load this machine's platform into the local containers storage", () -> {
                    images.load(built);
                    return null;
                });
            }
            System.out.printf("%nDone in %d s: %s%n", Duration.ofNanos(System.nanoTime() - started).toSeconds(),
                    String.join(", ", built.stream().map(b -> b.service() + "@" + b.digest()).toList()));
            succeeded = true;
            return 0;
        } catch (StepFailed failed) {
            System.err.println("\nFAILED at step '" + failed.step + "': " + failed.getCause().getMessage());
            System.err
                    .println("The stack's logs are in " + home.resolve("logs") + " (delete " + home + " when done with them)");
            return 1;
        } finally {
            if (succeeded) {
                LocalStack.delete(home); // scratch: its registry and workers' storage hold gigabytes
            }
        }
    }

    /** Runs the archipelago CLI against the stack, in this terminal; returns its exit code. */
    static int runCli(LocalStack stack, String... arguments) {
        System.out.println("  $ archipelago " + String.join(" ", arguments));
        ProcessBuilder builder = new ProcessBuilder(stack.cli(arguments)).inheritIO();
        builder.environment().putAll(stack.cliEnvironment());
        try {
            return builder.start().waitFor();
        } catch (IOException e) {
            throw new LocalStack.StackException("cannot start the CLI: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalStack.StackException("interrupted");
        }
    }

    private static final class StepFailed extends RuntimeException {
        final String step;

        StepFailed(String step, RuntimeException cause) {
            super(cause);
            this.step = step;
        }
    }

    private static <T> T step(String name, Supplier<T> action) {
        System.out.println("==> " + name);
        try {
            return action.get();
        } catch (RuntimeException e) {
            throw new StepFailed(name, e);
        }
    }
}
