package dev.archipelago.dispatcher.service;

/**
 * Whether the caller may have images pushed to a repository: checked before a build is stored,
 * retried or cancelled, so a refused build publishes nothing.
 */
@FunctionalInterface
public interface PushPermission {

    /**
     * For callers trusted by other means: the submit topic (its Kafka ACL) and webhooks (their signature, an admin's pipeline).
     */
    PushPermission TRUSTED = repository -> {
    };

    /**
     * @param repository the full repository name, such as {@code quay.io/org/app}
     * @throws ApiProblem with status 403 when the caller may not push there
     */
    void check(String repository);
}
