package dev.archipelago.dispatcher.repository;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.persistence.CascadeType;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.OneToMany;
import jakarta.persistence.OrderBy;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

@Entity
@Table(name = "builds")
public class Build extends PanacheEntityBase {

    @Id
    public UUID id;

    @Enumerated(EnumType.STRING)
    public BuildState state;

    public int attempt;

    @Column(name = "git_url")
    public String gitUrl;

    @Column(name = "git_ref")
    public String gitRef;

    @Column(name = "commit_sha")
    public String commit;

    /** The build context pushed by the CLI ({@code registry/repository@sha256:...}); null for a git source. */
    public String bundle;

    public String repository;

    public String tag;

    @Column(name = "request_json")
    public String requestJson;

    @Column(name = "submission_key")
    public String submissionKey;

    @Column(name = "index_digest")
    public String indexDigest;

    @Column(name = "index_media_type")
    public String indexMediaType;

    /** The outcome's attestations (a JSON list of {@code BuildOutcome.Attestation}); none before the index. */
    @Column(name = "attestations_json")
    public String attestationsJson;

    /** The outcome's warnings (a JSON list of text), from attachments a best-effort request let fail. */
    @Column(name = "warnings_json")
    public String warningsJson;

    @Column(name = "error_code")
    public String errorCode;

    @Column(name = "error_message")
    public String errorMessage;

    /** The commit status target (see DispatcherConfig.CommitStatus) and project; null when the build reports none. */
    @Column(name = "status_target")
    public String statusTarget;

    @Column(name = "status_project")
    public String statusProject;

    /** The last commit status reported; written by CommitStatusReporter with its own statement, outside {@link #version}. */
    @Column(name = "status_reported", insertable = false, updatable = false)
    public String statusReported;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "updated_at")
    public Instant updatedAt;

    @Column(name = "finished_at")
    public Instant finishedAt;

    @Version
    public long version;

    @OneToMany(mappedBy = "build", cascade = CascadeType.ALL, orphanRemoval = true, fetch = FetchType.EAGER)
    @OrderBy("platform")
    public List<BuildPlatform> platforms = new ArrayList<>();

    public BuildPlatform platform(String ociName) {
        return platforms.stream().filter(p -> p.platform.equals(ociName)).findFirst().orElse(null);
    }
}
