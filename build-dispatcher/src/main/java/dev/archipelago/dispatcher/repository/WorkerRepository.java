package dev.archipelago.dispatcher.repository;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;

@ApplicationScoped
public class WorkerRepository implements PanacheRepositoryBase<Worker, String> {

    public List<Worker> allByPlatform() {
        return listAll(Sort.ascending("platform", "workerId"));
    }
}
