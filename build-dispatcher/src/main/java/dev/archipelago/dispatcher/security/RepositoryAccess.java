package dev.archipelago.dispatcher.security;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.archipelago.dispatcher.service.ApiProblem;
import dev.archipelago.dispatcher.service.PushPermission;
import io.quarkus.logging.Log;
import io.quarkus.security.identity.SecurityIdentity;

/** The push permission of an API caller: admins anywhere, others where their repository patterns allow. */
@ApplicationScoped
public class RepositoryAccess {

    public PushPermission of(SecurityIdentity caller) {
        if (caller.hasRole(Roles.ADMIN)) {
            return PushPermission.TRUSTED;
        }
        List<RepositoryGlob> allowed = ApiRolesAugmentor.repositories(caller);
        String who = caller.getPrincipal().getName();
        return repository -> {
            if (allowed.stream().noneMatch(glob -> glob.matches(repository))) {
                Log.infof("%s refused: may not build for %s", who, repository);
                throw new ApiProblem(403, "Forbidden", who + " may not build images for " + repository
                        + (allowed.isEmpty() ? "; it may build for no repository (ask an admin to add a pattern)"
                                : "; its repository patterns are " + allowed));
            }
        };
    }
}
