package dev.archipelago.dispatcher.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "archipelago.dispatcher")
public interface DispatcherConfig {

    /** Refuse (409) a build for a platform that has no live worker; off for first installs and tests. */
    @WithDefault("true")
    boolean requireLiveWorkers();

    /**
     * Platforms whose workers scale from zero with their queue (KEDA, docs/openshift.md): a build for
     * one is accepted with no live worker, since the queued request is what starts one.
     */
    Optional<Set<String>> scaledFromZero();

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

    CommitStatus commitStatus();

    Auth auth();

    /**
     * Who may call the API. Every endpoint but health, the dashboard's static page and the webhooks
     * (which check their own signatures) needs a bearer token: a static token below, or an OIDC
     * access token when {@code quarkus.oidc.tenant-enabled=true}. Roles: viewer, submitter, admin.
     */
    interface Auth {
        /**
         * Static tokens by name, for small installs: {@code archipelago.dispatcher.auth.tokens.<name>.*},
         * best kept in a properties file from a Secret ({@code quarkus.config.locations}).
         */
        Map<String, ApiToken> tokens();

        /** Teams by name: an OIDC identity is in the teams its groups name, a static token in those it lists. */
        Map<String, Team> teams();
    }

    interface ApiToken {
        /**
         * The SHA-256 of the token, 64 hex digits ({@code printf %s "$TOKEN" | sha256sum}); the token itself is never stored.
         */
        String sha256();

        /** {@code viewer}, {@code submitter} or {@code admin}; SmallRye Config refuses any other value at start. */
        Role role();

        /**
         * Repository patterns the token may build for ({@code quay.io/team-a/*}; {@code **} for all); admin tokens may build
         * for all.
         */
        Optional<List<String>> repositories();

        /** Teams whose repositories the token may also build for. */
        Optional<List<String>> teams();
    }

    interface Team {
        /** Repository patterns the team's members may build for. */
        List<String> repositories();
    }

    /**
     * Commit statuses in GitLab or GitHub. A build reports to a named target: the request's
     * {@code commitStatus.target}, a pipeline's {@code statusTarget}, or for a webhook build without
     * one the target named like the provider ({@code gitlab}, {@code github}) when it exists.
     */
    interface CommitStatus {
        /** The status targets by name: {@code archipelago.dispatcher.commit-status.targets.<name>.*}. */
        Map<String, StatusTarget> targets();

        /** The name a status carries in GitLab ({@code name}) and GitHub ({@code context}). */
        @WithDefault("archipelago")
        String context();

        /** Calls per status before giving up until the next sweep: 1 plus retries. */
        @WithDefault("3")
        int attempts();

        /** The pause before the first retry; it doubles for each further one. */
        @WithDefault("500ms")
        Duration retryDelay();

        /** How long one call may take, connecting included. */
        @WithDefault("10s")
        Duration timeout();

        /** How often builds whose last status is behind their state are reported again (another replica, a failed call). */
        @WithDefault("10s")
        Duration sweepInterval();

        /** How long after a build's last change a status that could not be reported is still tried. */
        @WithDefault("1h")
        Duration giveUpAfter();
    }

    interface StatusTarget {
        /** {@code gitlab} or {@code github}; SmallRye Config refuses any other value at start. */
        CommitStatusProvider provider();

        /** The API's base URL: {@code https://gitlab.example.com/api/v4} or {@code https://api.github.com}. */
        String apiUrl();

        /**
         * The token (GitLab: a token with the api scope; GitHub: a token allowed to write commit statuses). Set it from a
         * Secret.
         */
        String token();
    }

    interface Webhooks {
        /** The secret token GitLab sends in {@code X-Gitlab-Token}; GitLab webhooks are off without it. */
        Optional<String> gitlabToken();

        /** The secret GitHub signs deliveries with ({@code X-Hub-Signature-256}); GitHub webhooks are off without it. */
        Optional<String> githubSecret();
    }

    interface Outbox {
        /** How often the relay looks for records that an earlier attempt could not publish. */
        @WithDefault("1s")
        Duration pollInterval();

        /** The most records one relay pass publishes. */
        @WithDefault("100")
        int batchSize();

        /** How long one pass waits for the broker's acknowledgements. */
        @WithDefault("10s")
        Duration sendTimeout();
    }

    /** An API token's role; each includes the ones before it ({@code Roles}). */
    enum Role {
        VIEWER,
        SUBMITTER,
        ADMIN;

        /**
         * The role's name in {@code @RolesAllowed}, one of the {@code Roles} constants (DispatcherConfigTest holds them equal).
         */
        public String roleName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Where commit statuses go. */
    enum CommitStatusProvider {
        GITLAB,
        GITHUB;

        /** The provider as requests and pipelines name it: {@code gitlab} or {@code github}. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
