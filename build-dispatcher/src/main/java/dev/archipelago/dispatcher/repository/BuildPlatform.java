package dev.archipelago.dispatcher.repository;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;

@Entity
@Table(name = "build_platforms")
@IdClass(BuildPlatform.Key.class)
public class BuildPlatform {

    @Id
    @ManyToOne
    @JoinColumn(name = "build_id")
    public Build build;

    @Id
    public String platform;

    @Enumerated(EnumType.STRING)
    public PlatformState state;

    public int attempt;

    @Column(name = "arch_tag")
    public String archTag;

    @Column(name = "worker_id")
    public String workerId;

    public boolean emulated;

    public String digest;

    /** The platform built nothing: its image is that of build {@link #reusedFrom}, made from the same inputs. */
    public boolean reused;

    @Column(name = "reused_from")
    public String reusedFrom;

    @Column(name = "media_type")
    public String mediaType;

    @Column(name = "size_bytes")
    public Long sizeBytes;

    @Column(name = "error_code")
    public String errorCode;

    @Column(name = "error_message")
    public String errorMessage;

    @Column(name = "log_tail")
    public String logTail;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "finished_at")
    public Instant finishedAt;

    /** The composite key: build and platform. */
    public static class Key implements Serializable {
        public UUID build;
        public String platform;

        public Key() {
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(build, k.build) && Objects.equals(platform, k.platform);
        }

        @Override
        public int hashCode() {
            return Objects.hash(build, platform);
        }
    }
}
