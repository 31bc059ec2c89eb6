package dev.archipelago.assembler.repository;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

/** A build cancelled through the dispatcher, up to and including {@link #attempt}; no index is pushed for it. */
@Entity
@Table(name = "cancels")
public class Cancel extends PanacheEntityBase {

    @Id
    @Column(name = "build_id")
    public String buildId;

    public int attempt;

    @Column(name = "cancelled_at")
    public Instant cancelledAt;
}
