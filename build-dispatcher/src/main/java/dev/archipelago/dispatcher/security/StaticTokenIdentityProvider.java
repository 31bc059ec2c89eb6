package dev.archipelago.dispatcher.security;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;

/** Turns a known static token into an identity: {@code token:<name>}, its role, and its repository patterns. */
@ApplicationScoped
public class StaticTokenIdentityProvider implements IdentityProvider<StaticTokenRequest> {

    private final StaticTokens tokens;

    public StaticTokenIdentityProvider(StaticTokens tokens) {
        this.tokens = tokens;
    }

    @Override
    public Class<StaticTokenRequest> getRequestType() {
        return StaticTokenRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(StaticTokenRequest request, AuthenticationRequestContext context) {
        return tokens.find(request.token())
                .map(entry -> Uni.createFrom().item(identity(entry)))
                .orElseGet(() -> Uni.createFrom().failure(new AuthenticationFailedException("the bearer token is not known")));
    }

    private SecurityIdentity identity(StaticTokens.Entry entry) {
        List<RepositoryGlob> repositories = new ArrayList<>(entry.repositories());
        entry.teams().forEach(team -> repositories.addAll(tokens.team(team)));
        return QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal("token:" + entry.name()))
                .addRole(entry.role())
                .addAttribute(ApiRolesAugmentor.REPOSITORIES, List.copyOf(repositories))
                .build();
    }
}
