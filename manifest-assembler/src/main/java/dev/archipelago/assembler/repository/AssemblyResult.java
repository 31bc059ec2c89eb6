package dev.archipelago.assembler.repository;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;

@Entity
@Table(name = "assembly_results")
@IdClass(AssemblyResult.Key.class)
public class AssemblyResult {

    @Id
    @ManyToOne
    @JoinColumn(name = "build_id")
    public Assembly assembly;

    @Id
    public String platform;

    public int attempt;

    /** STARTED, SUCCEEDED or FAILED, as the worker said. */
    public String state;

    public String digest;

    @Column(name = "media_type")
    public String mediaType;

    @Column(name = "size_bytes")
    public Long sizeBytes;

    public boolean emulated;

    @Column(name = "worker_id")
    public String workerId;

    /** The worker's settings that shaped the image (an {@code ArchBuildEvent.Builder} as JSON). */
    @Column(name = "builder_json")
    public String builderJson;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "finished_at")
    public Instant finishedAt;

    @Column(name = "error_code")
    public String errorCode;

    @Column(name = "error_message")
    public String errorMessage;

    @Column(name = "updated_at")
    public Instant updatedAt;

    public static class Key implements Serializable {
        public String assembly;
        public String platform;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(assembly, k.assembly) && Objects.equals(platform, k.platform);
        }

        @Override
        public int hashCode() {
            return Objects.hash(assembly, platform);
        }
    }
}
