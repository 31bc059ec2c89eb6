package dev.archipelago.dispatcher.repository;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

@ApplicationScoped
public class BuildRepository implements PanacheRepositoryBase<Build, UUID> {

    /** The build, locked for the rest of the transaction so that concurrent events apply one after the other. */
    public Optional<Build> findForUpdate(UUID id) {
        return findByIdOptional(id, LockModeType.PESSIMISTIC_WRITE);
    }

    public Optional<Build> findBySubmissionKey(String key) {
        return find("submissionKey", key).firstResultOptional();
    }

    /** Newest first, at most {@code limit}, optionally only those in {@code state}. */
    public List<Build> newest(BuildState state, int limit) {
        Sort sort = Sort.descending("createdAt", "id");
        var query = state == null ? findAll(sort) : find("state", sort, state);
        return query.page(Page.ofSize(limit)).list();
    }
}
