package dev.archipelago.assembler.repository;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import jakarta.persistence.CascadeType;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.OneToMany;
import jakarta.persistence.Table;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

@Entity
@Table(name = "assemblies")
public class Assembly extends PanacheEntityBase {

    /** COLLECTING -> READY -> PUSHED, or FAILED; CANCELLED (by the dispatcher) before the index push. */
    public enum State {
        COLLECTING,
        READY,
        PUSHED,
        FAILED,
        CANCELLED
    }

    @Id
    @Column(name = "build_id")
    public String buildId;

    public int attempt;

    public String platforms;

    public String repository;

    @Column(name = "index_tags")
    public String indexTags;

    @Column(name = "source_git")
    public String sourceGit;

    @Column(name = "source_commit")
    public String sourceCommit;

    /** The build context the CLI pushed, when the source is not git. */
    @Column(name = "source_bundle")
    public String sourceBundle;

    @Column(name = "allow_partial")
    public boolean allowPartial;

    @Column(name = "requested_at")
    public Instant requestedAt;

    public Instant deadline;

    @Enumerated(EnumType.STRING)
    public State state;

    @Column(name = "claimed_until")
    public Instant claimedUntil;

    @Column(name = "index_digest")
    public String indexDigest;

    @Column(name = "index_media_type")
    public String indexMediaType;

    @Column(name = "outcome_json")
    public String outcomeJson;

    @Column(name = "outcome_published_at")
    public Instant outcomePublishedAt;

    /** Until when one publisher has the unpublished outcome to itself (OutcomePublisher). */
    @Column(name = "outcome_claimed_until")
    public Instant outcomeClaimedUntil;

    /** What to attach beside the images (a {@code SupplyChain} as JSON); none means the default. */
    @Column(name = "supply_chain_json")
    public String supplyChainJson;

    /** The request as submitted, credentials masked: the provenance's external parameters (JSON). */
    @Column(name = "parameters_json")
    public String parametersJson;

    @Column(name = "source_ref")
    public String sourceRef;

    @Column(name = "last_result_at")
    public Instant lastResultAt;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "updated_at")
    public Instant updatedAt;

    @OneToMany(mappedBy = "assembly", cascade = CascadeType.ALL, orphanRemoval = true, fetch = FetchType.EAGER)
    public List<AssemblyResult> results = new ArrayList<>();

    public List<String> expectedPlatforms() {
        return Arrays.asList(platforms.split(","));
    }

    public List<String> tags() {
        return Arrays.asList(indexTags.split(","));
    }

    public AssemblyResult result(String platform) {
        return results.stream().filter(r -> r.platform.equals(platform)).findFirst().orElse(null);
    }
}
