package dev.archipelago.dispatcher.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

@ConfigMapping(prefix = "archipelago.dispatcher")
public interface DispatcherConfig {

    /** Refuse (409) a build for a platform that has no live worker; off for first installs and tests. */
    @WithDefault("true")
    boolean requireLiveWorkers();

    /** Accept {@code file://} git URLs: for local use and tests only, never on a shared dispatcher. */
    @WithDefault("false")
    boolean allowFileUrls();

    /** How long resolving a ref with {@code git ls-remote} may take. */
    @WithDefault("30s")
    Duration gitTimeout();

    /** How many heartbeats a worker may miss before it is listed as stale. */
    @WithDefault("3")
    int missedHeartbeats();

    /** The most builds one {@code GET /api/builds} returns. */
    @WithDefault("200")
    int maxListLimit();

    /** The public base URL of the API, used in links (commit statuses, the dashboard). */
    @WithDefault("http://localhost:8080")
    String publicUrl();

    Outbox outbox();

    Webhooks webhooks();

    interface Webhooks {
        /** The secret token GitLab sends in {@code X-Gitlab-Token}; GitLab webhooks are off without it. */
        java.util.Optional<String> gitlabToken();

        /** The secret GitHub signs deliveries with ({@code X-Hub-Signature-256}); GitHub webhooks are off without it. */
        java.util.Optional<String> githubSecret();
    }

    interface Outbox {
        /** How often the relay looks for records that an earlier attempt could not publish. */
        @WithDefault("1s")
        Duration pollInterval();

        /** The most records one relay pass publishes. */
        @WithDefault("100")
        int batchSize();

        /** How long one pass waits for the broker's acknowledgements. */
        @WithDefault("15s")
        Duration sendTimeout();
    }
}
