package dev.archipelago.assembler.repository;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

@ApplicationScoped
public class CancelRepository implements PanacheRepositoryBase<Cancel, String> {
}
