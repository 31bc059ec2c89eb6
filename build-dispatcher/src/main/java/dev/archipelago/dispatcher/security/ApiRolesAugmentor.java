package dev.archipelago.dispatcher.security;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * Gives every identity, static or OIDC, the roles its role includes (admin is also submitter and
 * viewer) and the repository patterns of the teams its roles (OIDC groups) name.
 */
@ApplicationScoped
public class ApiRolesAugmentor implements SecurityIdentityAugmentor {

    /** The identity's attribute holding its {@code List<RepositoryGlob>}. */
    static final String REPOSITORIES = "archipelago.repositories";

    private final StaticTokens tokens;

    public ApiRolesAugmentor(StaticTokens tokens) {
        this.tokens = tokens;
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous()) {
            return Uni.createFrom().item(identity);
        }
        QuarkusSecurityIdentity.Builder builder = QuarkusSecurityIdentity.builder(identity);
        List<RepositoryGlob> repositories = new ArrayList<>(repositories(identity));
        for (String role : identity.getRoles()) {
            Roles.implied(role).forEach(builder::addRole);
            repositories.addAll(tokens.team(role));
        }
        builder.addAttribute(REPOSITORIES, List.copyOf(repositories));
        return Uni.createFrom().item(builder.build());
    }

    @SuppressWarnings("unchecked")
    static List<RepositoryGlob> repositories(SecurityIdentity identity) {
        Object value = identity.getAttribute(REPOSITORIES);
        return value instanceof List<?> list ? (List<RepositoryGlob>) list : List.of();
    }
}
