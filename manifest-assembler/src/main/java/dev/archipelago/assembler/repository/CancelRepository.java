package dev.archipelago.assembler.repository;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;

@ApplicationScoped
public class CancelRepository implements PanacheRepositoryBase<Cancel, String> {
}
