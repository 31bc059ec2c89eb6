package dev.archipelago.dispatcher;

import java.util.Map;

import dev.archipelago.infra.ScratchGitRepository;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A git repository the dispatcher tests build ({@link DispatcherFixture#repository()}), made when
 * the application starts, injected into {@link InjectGitRepository} fields and deleted when it stops.
 */
public class GitRepositoryResource implements QuarkusTestResourceLifecycleManager {

    private ScratchGitRepository repository;

    @Override
    public Map<String, String> start() {
        repository = DispatcherFixture.repository();
        return Map.of();
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(repository,
                new TestInjector.AnnotatedAndMatchesType(InjectGitRepository.class, ScratchGitRepository.class));
    }

    @Override
    public void stop() {
        if (repository != null) {
            repository.close();
        }
    }
}
