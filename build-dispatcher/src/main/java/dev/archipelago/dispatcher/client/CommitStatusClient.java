package dev.archipelago.dispatcher.client;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import dev.archipelago.dispatcher.config.DispatcherConfig;
import dev.archipelago.dispatcher.service.CommitState;
import dev.archipelago.failure.Backoff;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;

/**
 * Writes one commit status to GitLab or GitHub through the Quarkus REST client, retrying what may
 * pass on a second try (connection errors, 429, 5xx) with a doubling pause. The token goes only
 * into the request header: no message this class makes contains it.
 */
@ApplicationScoped
public class CommitStatusClient {

    /** GitHub's limit for a status description. */
    static final int MAX_DESCRIPTION = 140;

    /** What became of one status: sent, or why not after how many calls. */
    public record Delivery(boolean sent, int calls, String problem) {
    }

    /** One status for one commit. */
    public record StatusUpdate(String project, String commit, CommitState state, String description, String targetUrl) {
    }

    private final DispatcherConfig config;
    private final Map<String, Object> clients = new ConcurrentHashMap<>();

    public CommitStatusClient(DispatcherConfig config) {
        this.config = config;
    }

    public Delivery send(String targetName, DispatcherConfig.StatusTarget target, StatusUpdate update) {
        DispatcherConfig.CommitStatus settings = config.commitStatus();
        int attempts = Math.max(1, settings.attempts());
        Backoff backoff = new Backoff(settings.retryDelay(), settings.retryDelay().multipliedBy(1L << Math.min(attempts, 10)));
        String problem = null;
        for (int call = 1; call <= attempts; call++) {
            if (call > 1) {
                sleep(backoff.next());
            }
            int status;
            try {
                status = call(targetName, target, update);
            } catch (ProcessingException e) {
                problem = "no answer from " + target.apiUrl() + " (" + rootCause(e) + ")";
                continue;
            }
            if (status >= 200 && status < 300) {
                return new Delivery(true, call, null);
            }
            problem = target.provider().wireName() + " answered HTTP " + status + hint(status);
            if (status != 429 && status < 500) {
                return new Delivery(false, call, problem);
            }
        }
        return new Delivery(false, attempts, problem);
    }

    private int call(String targetName, DispatcherConfig.StatusTarget target, StatusUpdate update) {
        String description = update.description().length() <= MAX_DESCRIPTION ? update.description()
                : update.description().substring(0, MAX_DESCRIPTION - 3) + "...";
        String context = config.commitStatus().context();
        try (Response response = switch (target.provider()) {
            case GITLAB -> client(targetName, target, GitLabStatusApi.class).create(update.project(), update.commit(),
                    target.token(),
                    new GitLabStatusApi.Status(update.state().gitlab(), context, update.targetUrl(), description));
            case GITHUB -> {
                int slash = update.project().indexOf('/');
                yield client(targetName, target, GitHubStatusApi.class).create(update.project().substring(0, slash),
                        update.project().substring(slash + 1), update.commit(), "Bearer " + target.token(),
                        "application/vnd.github+json", "2022-11-28",
                        new GitHubStatusApi.Status(update.state().github(), update.targetUrl(), description, context));
            }
        }) {
            return response.getStatus();
        } catch (WebApplicationException e) {
            return e.getResponse().getStatus();
        }
    }

    private <T> T client(String name, DispatcherConfig.StatusTarget target, Class<T> api) {
        return api.cast(clients.computeIfAbsent(name + "|" + api.getName(), key -> {
            long timeout = config.commitStatus().timeout().toMillis();
            return QuarkusRestClientBuilder.newBuilder().baseUri(URI.create(target.apiUrl()))
                    .connectTimeout(timeout, TimeUnit.MILLISECONDS).readTimeout(timeout, TimeUnit.MILLISECONDS)
                    .build(api);
        }));
    }

    private static String hint(int status) {
        return switch (status) {
            case 401 -> ": the token was refused";
            case 403 -> ": the token may not write statuses of this project";
            case 404 -> ": no such project or commit, or the token cannot see it";
            default -> "";
        };
    }

    private static String rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to retry a commit status", e);
        }
    }
}
