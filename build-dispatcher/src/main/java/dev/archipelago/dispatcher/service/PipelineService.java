package dev.archipelago.dispatcher.service;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.archipelago.dispatcher.config.DispatcherConfig;
import dev.archipelago.dispatcher.repository.Pipeline;
import dev.archipelago.dispatcher.repository.PipelineRepository;
import dev.archipelago.model.events.BuildRequest;
import dev.archipelago.model.json.EventJson;
import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.panache.common.Sort;

/** Stores pipelines, and turns a push to a mapped branch into builds of the pushed commit. */
@ApplicationScoped
public class PipelineService {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final String SAMPLE_COMMIT = "0123456789abcdef0123456789abcdef01234567";

    private final PipelineRepository pipelines;
    private final BuildRequestValidator validator;
    private final BuildService builds;
    private final DispatcherConfig config;

    public PipelineService(PipelineRepository pipelines, BuildRequestValidator validator, BuildService builds,
            DispatcherConfig config) {
        this.pipelines = pipelines;
        this.validator = validator;
        this.builds = builds;
        this.config = config;
    }

    /** A push as a webhook reports it. */
    public record Push(String provider, String project, String cloneUrl, String branch, String commit, String deliveryId) {
    }

    @Transactional
    public List<PipelineDefinition> list() {
        return pipelines.listAll(Sort.ascending("name")).stream().map(PipelineService::definition).toList();
    }

    @Transactional
    public PipelineDefinition get(String name) {
        return definition(find(name));
    }

    /** Creates or replaces a pipeline after checking that a push to it would make a valid build. */
    @Transactional
    public PipelineDefinition save(PipelineDefinition definition, boolean create) {
        check(definition);
        Pipeline pipeline = pipelines.findById(definition.name());
        if (create && pipeline != null) {
            throw ApiProblem.conflict("pipeline '" + definition.name() + "' exists; PUT /api/pipelines/"
                    + definition.name() + " replaces it");
        }
        if (!create && pipeline == null) {
            throw ApiProblem.notFound("no pipeline named '" + definition.name() + "'");
        }
        Instant now = Instant.now();
        if (pipeline == null) {
            pipeline = new Pipeline();
            pipeline.name = definition.name();
            pipeline.createdAt = now;
        }
        pipeline.provider = definition.provider();
        pipeline.project = definition.project();
        pipeline.definitionJson = EventJson.encodeToString(definition);
        pipeline.updatedAt = now;
        pipelines.persist(pipeline);
        return definition;
    }

    @Transactional
    public void delete(String name) {
        pipelines.delete(find(name));
    }

    /** Starts a build for every pipeline of the project that maps the pushed branch; returns their views. */
    public List<BuildView> onPush(Push push) {
        List<PipelineDefinition> matching = QuarkusTransaction.requiringNew()
                .call(() -> pipelines.forProject(push.provider(), push.project()).stream().map(PipelineService::definition)
                        .filter(d -> d.branches().stream().anyMatch(glob -> matches(glob, push.branch()))).toList());
        List<BuildView> started = new ArrayList<>();
        for (PipelineDefinition definition : matching) {
            BuildRequest request = request(definition, push.cloneUrl(), push.branch(), push.commit(),
                    commitStatus(definition, push.project()));
            String key = push.provider() + ":" + push.project() + ":" + push.commit() + ":" + definition.name();
            BuildView view = builds.acceptPushed(request, key, push.commit());
            Log.infof("build %s: started by a %s push of %s to %s (pipeline %s)", view.id(), push.provider(), push.commit(),
                    push.branch(), definition.name());
            started.add(view);
        }
        return started;
    }

    private void check(PipelineDefinition d) {
        List<String> problems = new ArrayList<>();
        if (!NAME.matcher(d.name()).matches()) {
            problems.add("name must be 1 to 64 of a-z, 0-9 and '-', starting with a letter or digit");
        }
        if (!PipelineDefinition.PROVIDERS.contains(d.provider())) {
            problems.add("provider must be one of " + PipelineDefinition.PROVIDERS);
        }
        if (d.project().isBlank() || d.project().length() > 255
                || !BuildRequestValidator.isProject(d.provider(), d.project())) {
            problems.add("project must name the GitLab path (group/project) or GitHub full name (owner/repo)");
        }
        if (d.statusTarget() != null && d.statusTarget().isBlank()) {
            problems.add("statusTarget is blank; name a configured status target or leave it out");
        }
        if (d.branches().isEmpty()) {
            problems.add("branches is empty; name at least one branch or glob");
        }
        if (!problems.isEmpty()) {
            throw ApiProblem.badRequest(String.join("; ", problems));
        }
        String git = d.git() != null ? d.git() : "https://example.com/" + d.project() + ".git";
        validator.validate(request(d, git, "main", SAMPLE_COMMIT, commitStatus(d, d.project())));
    }

    /** The pipeline's status target, else the one named like its provider when configured, else none. */
    private BuildRequest.CommitStatus commitStatus(PipelineDefinition d, String project) {
        if (d.statusTarget() != null) {
            return new BuildRequest.CommitStatus(d.statusTarget(), project);
        }
        DispatcherConfig.StatusTarget byProvider = config.commitStatus().targets().get(d.provider());
        return byProvider != null && byProvider.provider().wireName().equals(d.provider())
                ? new BuildRequest.CommitStatus(d.provider(), project)
                : null;
    }

    static BuildRequest request(PipelineDefinition d, String cloneUrl, String branch, String commit,
            BuildRequest.CommitStatus commitStatus) {
        if (!COMMIT.matcher(commit).matches()) {
            throw ApiProblem.badRequest("the pushed commit '" + commit + "' is not a 40-hex commit id");
        }
        String tag = render(d.tagTemplate(), branch, commit);
        List<String> indexTags = d.indexTags() == null ? null
                : d.indexTags().stream().map(t -> render(t, branch, commit)).toList();
        return new BuildRequest(null,
                BuildRequest.Source.ofGit(d.git() != null ? d.git() : cloneUrl, branch, d.contextDir(), d.dockerfile()),
                new BuildRequest.Image(d.repository(), tag, d.archTagTemplate(), null, indexTags, d.supplyChain()),
                d.platforms(), d.buildArgs(), d.labels(), d.allowEmulation(), d.allowPartial(), d.timeoutSeconds(),
                commitStatus, null);
    }

    private static String render(String template, String branch, String commit) {
        return template.replace("{branch}", branch.replace('/', '-')).replace("{shortSha}", commit.substring(0, 7));
    }

    private static boolean matches(String glob, String branch) {
        return FileSystems.getDefault().getPathMatcher("glob:" + glob).matches(Path.of(branch));
    }

    private Pipeline find(String name) {
        Pipeline pipeline = pipelines.findById(name);
        if (pipeline == null) {
            throw ApiProblem.notFound("no pipeline named '" + name + "'");
        }
        return pipeline;
    }

    private static PipelineDefinition definition(Pipeline pipeline) {
        return EventJson.decode(pipeline.definitionJson, PipelineDefinition.class);
    }
}
