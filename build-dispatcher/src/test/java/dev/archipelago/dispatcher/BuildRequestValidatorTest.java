package dev.archipelago.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.archipelago.dispatcher.config.DispatcherConfig;
import dev.archipelago.dispatcher.config.DispatcherConfig.CommitStatusProvider;
import dev.archipelago.dispatcher.service.ApiProblem;
import dev.archipelago.dispatcher.service.BuildRequestValidator;
import dev.archipelago.dispatcher.service.ValidatedRequest;
import dev.archipelago.model.Platform;
import dev.archipelago.model.events.BuildRequest;

/** The validator alone, with the production defaults (file:// refused). */
class BuildRequestValidatorTest {

    private final BuildRequestValidator validator = new BuildRequestValidator(defaults());

    @Test
    void refusesFileUrlsByDefault() {
        assertThatThrownBy(() -> validator.validate(request("file:///srv/repo")))
                .isInstanceOf(ApiProblem.class).hasMessageContaining("file:// URLs are disabled");
    }

    @Test
    void acceptsHttpsSshGitAndScpLikeUrls() {
        for (String url : List.of("https://gitlab.com/org/app.git", "ssh://git@gitlab.com/org/app.git",
                "git://example.com/app.git", "git@github.com:owner/app.git")) {
            assertThat(validator.validate(request(url)).gitUrl()).isEqualTo(url);
        }
    }

    @Test
    void refusesCredentialsInUrlsButNotSshUserNames() {
        assertThatThrownBy(() -> validator.validate(request("https://user:pw@gitlab.com/org/app.git")))
                .hasMessageContaining("must not carry credentials").hasMessageNotContaining("pw@");
        assertThatThrownBy(() -> validator.validate(request("https://ghp_token@github.com/org/app.git")))
                .hasMessageContaining("must not carry credentials").hasMessageNotContaining("ghp_token");
        assertThat(validator.validate(request("ssh://git@gitlab.com/org/app.git")).gitUrl()).startsWith("ssh://git@");
    }

    @Test
    void normalisesDefaultsAndSortsPlatforms() {
        ValidatedRequest valid = validator.validate(request("https://gitlab.com/org/app.git"));
        assertThat(valid.platforms()).containsExactly(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE);
        assertThat(valid.ref()).isEqualTo("HEAD");
        assertThat(valid.contextDir()).isEqualTo(".");
        assertThat(valid.dockerfile()).isEqualTo("Dockerfile");
        assertThat(valid.timeoutSeconds()).isEqualTo(BuildRequest.DEFAULT_TIMEOUT_SECONDS);
        assertThat(valid.tags().archTag(Platform.LINUX_PPC64LE)).isEqualTo("v1-ppc64le");
    }

    @Test
    void collectsEveryProblemInOneAnswer() {
        BuildRequest bad = new BuildRequest(null, BuildRequest.Source.ofGit("http://x/y.git", null, "/abs", null),
                new BuildRequest.Image("Quay.io/A", "v1", null, null, null, null), List.of("vax"), Map.of("1A", "x"), null,
                null, null, 5, null, null);
        assertThatThrownBy(() -> validator.validate(bad)).hasMessageContaining("scheme 'http'")
                .hasMessageContaining("is absolute").hasMessageContaining("unknown platform 'vax'")
                .hasMessageContaining("1A").hasMessageContaining("timeoutSeconds 5");
    }

    private static BuildRequest request(String url) {
        return new BuildRequest(null, BuildRequest.Source.ofGit(url, null, null, null),
                new BuildRequest.Image("quay.io/org/app", "v1", null, null, null, null), List.of("ppc64le", "x86_64"),
                null, null, null, null, null, null, null);
    }

    @Test
    void aCommitStatusNamesAConfiguredTargetAndAProjectOfItsProvider() {
        assertThat(validator.validate(withStatus("gitlab-main", "group/sub/app")).commitStatus().project())
                .isEqualTo("group/sub/app");
        assertThat(validator.validate(withStatus("gitlab-main", "4242")).commitStatus().target()).isEqualTo("gitlab-main");
        assertThat(validator.validate(withStatus("github", "owner/app")).commitStatus().project()).isEqualTo("owner/app");

        assertThatThrownBy(() -> validator.validate(withStatus("jenkins", "owner/app")))
                .hasMessage(
                        "commitStatus.target 'jenkins' is not configured on this dispatcher; use one of [github, gitlab-main]");
        assertThatThrownBy(() -> validator.validate(withStatus("github", "owner/app/extra")))
                .hasMessage("commitStatus.project 'owner/app/extra' is not a GitHub repository (owner/repo)");
        assertThatThrownBy(() -> validator.validate(withStatus("gitlab-main", "app")))
                .hasMessage("commitStatus.project 'app' is not a GitLab project (a numeric id or group/project)");
        assertThatThrownBy(() -> validator.validate(withStatus("gitlab-main", "group/../../users")))
                .hasMessageContaining("is not a GitLab project");
        assertThatThrownBy(() -> validator.validate(withStatus("github", "owner/..")))
                .hasMessageContaining("is not a GitHub repository");
        assertThat(validator.validate(withStatus("github", "owner/.github")).commitStatus().project())
                .isEqualTo("owner/.github");
    }

    private static BuildRequest withStatus(String target, String project) {
        BuildRequest ok = request("https://gitlab.com/org/app.git");
        return new BuildRequest(null, ok.source(), ok.image(), ok.platforms(), null, null, null, null, null,
                new BuildRequest.CommitStatus(target, project), null);
    }

    private static DispatcherConfig defaults() {
        return new DispatcherConfig() {
            public boolean requireLiveWorkers() {
                return true;
            }

            public Optional<Set<String>> scaledFromZero() {
                return Optional.empty();
            }

            public boolean allowFileUrls() {
                return false;
            }

            public Duration gitTimeout() {
                return Duration.ofSeconds(30);
            }

            public int missedHeartbeats() {
                return 3;
            }

            public int maxListLimit() {
                return 200;
            }

            public String publicUrl() {
                return "http://localhost:8080";
            }

            public Outbox outbox() {
                return null;
            }

            public Webhooks webhooks() {
                return new Webhooks() {
                    public Optional<String> gitlabToken() {
                        return Optional.empty();
                    }

                    public Optional<String> githubSecret() {
                        return Optional.empty();
                    }
                };
            }

            public CommitStatus commitStatus() {
                return new CommitStatus() {
                    public Map<String, StatusTarget> targets() {
                        return Map.of("gitlab-main", target("gitlab"), "github", target("github"));
                    }

                    public String context() {
                        return "archipelago";
                    }

                    public int attempts() {
                        return 3;
                    }

                    public Duration retryDelay() {
                        return Duration.ofMillis(500);
                    }

                    public Duration timeout() {
                        return Duration.ofSeconds(10);
                    }

                    public Duration sweepInterval() {
                        return Duration.ofSeconds(10);
                    }

                    public Duration giveUpAfter() {
                        return Duration.ofHours(1);
                    }
                };
            }

            public Auth auth() {
                return null;
            }
        };
    }

    private static DispatcherConfig.StatusTarget target(String provider) {
        return new DispatcherConfig.StatusTarget() {
            public CommitStatusProvider provider() {
                return CommitStatusProvider.valueOf(provider.toUpperCase(Locale.ROOT));
            }

            public String apiUrl() {
                return "https://" + provider + ".example.com/api";
            }

            public String token() {
                return "not-used";
            }
        };
    }
}
