package dev.archipelago.dispatcher.repository;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

@ApplicationScoped
public class WorkerRepository implements PanacheRepositoryBase<Worker, String> {

    public List<Worker> allByPlatform() {
        return listAll(Sort.ascending("platform", "workerId"));
    }
}
