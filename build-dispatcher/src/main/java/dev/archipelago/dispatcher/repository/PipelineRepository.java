package dev.archipelago.dispatcher.repository;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;

@ApplicationScoped
public class PipelineRepository implements PanacheRepositoryBase<Pipeline, String> {

    public List<Pipeline> forProject(String provider, String project) {
        return list("provider = ?1 and project = ?2", Sort.ascending("name"), provider, project);
    }
}
