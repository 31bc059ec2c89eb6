package dev.archipelago.dispatcher.repository;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

/** A worker as its last heartbeat described it. */
@Entity
@Table(name = "workers")
public class Worker extends PanacheEntityBase {

    @Id
    @Column(name = "worker_id")
    public String workerId;

    public String platform;

    public boolean emulated;

    public String version;

    public String executor;

    public int capacity;

    @Column(name = "in_flight")
    public int inFlight;

    @Column(name = "interval_seconds")
    public int intervalSeconds;

    @Column(name = "last_seen")
    public Instant lastSeen;
}
