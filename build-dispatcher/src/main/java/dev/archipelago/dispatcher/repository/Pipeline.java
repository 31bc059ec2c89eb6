package dev.archipelago.dispatcher.repository;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

/** A stored mapping from a GitLab or GitHub project's pushes to builds. */
@Entity
@Table(name = "pipelines")
public class Pipeline extends PanacheEntityBase {

    @Id
    public String name;

    public String provider;

    public String project;

    @Column(name = "definition_json")
    public String definitionJson;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "updated_at")
    public Instant updatedAt;
}
