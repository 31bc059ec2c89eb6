package dev.archipelago.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.testsupport.InjectKafkaClient;
import dev.archipelago.testsupport.KafkaBrokerResource;
import dev.archipelago.testsupport.KafkaTestClient;
import dev.archipelago.testsupport.PostgresDatabaseResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A generated battery of malformed and hostile API calls: wrong types in every field, huge
 * strings, unicode tricks, path traversal, argument and header injection, deep nesting, 10 MB
 * bodies, broken JSON, hostile query strings, paths and headers. Every one must get a 4xx problem
 * answer, and together they must leave no row and no record behind.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(PostgresDatabaseResource.class)
@WithTestResource(GitRepositoryResource.class)
class HostileInputTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PWNED = "/tmp/archipelago-hostile-" + UUID.randomUUID();
    @InjectGitRepository
    ScratchGitRepository git;
    @InjectKafkaClient
    KafkaTestClient kafka;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @TestHTTPResource("/")
    URI base;

    /** One hostile call. */
    private record Call(String name, String method, String path, Map<String, String> headers, byte[] body, boolean chunked) {
    }

    @Test
    void everyHostileCallGetsAClientErrorProblemAndChangesNothing() throws Exception {
        List<Call> calls = new ArrayList<>();
        wrongTypes(calls);
        hugeValues(calls);
        unicodeTricks(calls);
        pathTraversalAndInjection(calls);
        deepNesting(calls);
        bigBodies(calls);
        brokenJson(calls);
        hostileQueriesPathsAndHeaders(calls);
        assertThat(calls).hasSizeGreaterThanOrEqualTo(200);

        long builds = Counts.builds();
        long outbox = Counts.outbox();
        long pipelines = Counts.pipelines();
        long records = Counts.requestRecords(kafka);
        List<String> wrong = new ArrayList<>();
        Map<Integer, Integer> statuses = new TreeMap<>();
        for (Call call : calls) {
            HttpResponse<String> response;
            try {
                response = send(call);
            } catch (IOException e) {
                wrong.add(call.name() + ": the connection failed instead of an answer: " + e);
                continue;
            }
            statuses.merge(response.statusCode(), 1, Integer::sum);
            String problem = problemError(response);
            if (problem != null) {
                wrong.add(call.name() + " -> " + response.statusCode() + " " + problem + ": "
                        + response.body().substring(0, Math.min(300, response.body().length())));
            }
        }
        System.out.printf("hostile battery: %d calls, answers by status %s%n", calls.size(), statuses);
        assertThat(wrong).as("calls without a 4xx problem answer").isEmpty();
        assertThat(Counts.builds()).as("builds rows").isEqualTo(builds);
        assertThat(Counts.outbox()).as("outbox rows").isEqualTo(outbox);
        assertThat(Counts.pipelines()).as("pipelines rows").isEqualTo(pipelines);
        assertThat(Counts.requestRecords(kafka)).as("records on the request topics").isEqualTo(records);
        assertThat(Files.exists(Path.of(PWNED))).as("an injected command ran").isFalse();

        // the control: the request every mutation started from, sent the same way, is accepted and stored
        List<Call> control = new ArrayList<>();
        addBuild(control, "unmutated", request -> {
        });
        HttpResponse<String> accepted = send(control.get(0));
        assertThat(accepted.statusCode()).as("the unmutated request: " + accepted.body()).isEqualTo(202);
        assertThat(Counts.builds()).as("builds rows after the control").isEqualTo(builds + 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> Counts.requestRecords(kafka) == records + 2);
    }

    /**
     * Null when the answer is a proper 4xx problem; otherwise what is wrong with it. A request line
     * or headers over the HTTP server's limits (414, 431) are refused by Vert.x before any of the
     * dispatcher's code runs, without a body: a 4xx is all that can be asked of those.
     */
    private static String problemError(HttpResponse<String> response) {
        if (response.statusCode() < 400 || response.statusCode() >= 500) {
            return "not a 4xx";
        }
        if (response.statusCode() == 414 || response.statusCode() == 431) {
            return null;
        }
        if (!response.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json")) {
            return "not application/problem+json (" + response.headers().firstValue("Content-Type").orElse("none") + ")";
        }
        try {
            JsonNode problem = JSON.readTree(response.body());
            if (problem.path("status").asInt() != response.statusCode() || problem.path("detail").asText().isBlank()) {
                return "problem without the status or a detail";
            }
        } catch (Exception e) {
            return "problem body is not JSON";
        }
        return null;
    }

    private ObjectNode valid() {
        ObjectNode request = JSON.createObjectNode();
        request.putObject("source").put("git", git.url()).put("ref", "main").put("contextDir", ".").put("dockerfile",
                "Dockerfile");
        ObjectNode image = request.putObject("image").put("repository", "127.0.0.1:5000/hostile/app").put("tag", "v1")
                .put("archTagTemplate", "{tag}-{arch}");
        image.putObject("archTags").put("linux/amd64", "v1-x86");
        image.putArray("indexTags").add("v1-multiarch");
        request.putArray("platforms").add("linux/amd64").add("linux/ppc64le");
        request.putObject("buildArgs").put("VERSION", "1");
        request.putObject("labels").put("team", "a");
        request.put("allowEmulation", false).put("allowPartial", false).put("timeoutSeconds", 600);
        return request;
    }

    private void addBuild(List<Call> calls, String name, Consumer<ObjectNode> change) {
        ObjectNode request = valid();
        change.accept(request);
        calls.add(post(name, "/api/builds", request.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private static Call post(String name, String path, byte[] body) {
        return new Call(name, "POST", path, Map.of("Content-Type", "application/json"), body, false);
    }

    private static ObjectNode parent(ObjectNode request, String path) {
        String[] parts = path.split("\\.");
        ObjectNode node = request;
        for (int i = 0; i < parts.length - 1; i++) {
            node = (ObjectNode) node.get(parts[i]);
        }
        return node;
    }

    private static String leaf(String path) {
        return path.substring(path.lastIndexOf('.') + 1);
    }

    private void wrongTypes(List<Call> calls) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String text : List.of("source.git", "source.ref", "source.contextDir", "source.dockerfile", "image.repository",
                "image.tag",
                "image.archTagTemplate")) {
            fields.put(text, "string");
        }
        fields.put("image.archTags", "object");
        fields.put("buildArgs", "object");
        fields.put("labels", "object");
        fields.put("source", "object");
        fields.put("image", "object");
        fields.put("image.indexTags", "array");
        fields.put("platforms", "array");
        fields.put("allowEmulation", "boolean");
        fields.put("allowPartial", "boolean");
        fields.put("timeoutSeconds", "number");
        Map<String, JsonNode> values = new LinkedHashMap<>();
        values.put("number", JSON.getNodeFactory().numberNode(42));
        values.put("boolean", JSON.getNodeFactory().booleanNode(true));
        values.put("string", JSON.getNodeFactory().textNode("600"));
        values.put("array", JSON.createArrayNode().add("linux/amd64"));
        values.put("object", JSON.createObjectNode().put("a", "b"));
        values.put("float", JSON.getNodeFactory().numberNode(1.5));
        for (Map.Entry<String, String> field : fields.entrySet()) {
            for (Map.Entry<String, JsonNode> value : values.entrySet()) {
                if (value.getKey().equals(field.getValue())) {
                    continue;
                }
                addBuild(calls, "wrong type: " + field.getKey() + " = " + value.getValue(),
                        r -> parent(r, field.getKey()).set(leaf(field.getKey()), value.getValue()));
            }
        }
        for (String required : List.of("source.git", "image.repository", "image.tag", "platforms", "source", "image")) {
            addBuild(calls, "null required " + required, r -> parent(r, required).putNull(leaf(required)));
        }
        addBuild(calls, "platform as a number in the list", r -> ((ArrayNode) r.get("platforms")).add(7));
        addBuild(calls, "index tag as an object", r -> ((ArrayNode) r.path("image").get("indexTags")).addObject());
        addBuild(calls, "build-arg value as a number", r -> ((ObjectNode) r.get("buildArgs")).put("N", 1));
        addBuild(calls, "label value as null", r -> ((ObjectNode) r.get("labels")).putNull("n"));
    }

    private void hugeValues(List<Call> calls) {
        String huge = "a".repeat(60_000);
        for (String field : List.of("source.git", "source.ref", "source.contextDir", "source.dockerfile", "image.repository",
                "image.tag",
                "image.archTagTemplate")) {
            addBuild(calls, "huge " + field, r -> parent(r, field).put(leaf(field), huge));
        }
        addBuild(calls, "huge label key", r -> ((ObjectNode) r.get("labels")).put(huge, "v"));
        addBuild(calls, "huge label value", r -> ((ObjectNode) r.get("labels")).put("k", huge));
        addBuild(calls, "huge build-arg value", r -> ((ObjectNode) r.get("buildArgs")).put("K", huge));
        addBuild(calls, "huge arch tag", r -> ((ObjectNode) r.path("image").get("archTags")).put("linux/ppc64le", huge));
        addBuild(calls, "huge index tag", r -> ((ArrayNode) r.path("image").get("indexTags")).add(huge));
        addBuild(calls, "5000 platforms", r -> {
            ArrayNode platforms = r.putArray("platforms");
            for (int i = 0; i < 5000; i++) {
                platforms.add("linux/amd64");
            }
        });
        addBuild(calls, "3000 labels", r -> {
            ObjectNode labels = r.putObject("labels");
            for (int i = 0; i < 3000; i++) {
                labels.put("l" + i, "v");
            }
        });
        addBuild(calls, "2000 index tags", r -> {
            ArrayNode tags = (ArrayNode) r.path("image").get("indexTags");
            for (int i = 0; i < 2000; i++) {
                tags.add("t" + i);
            }
        });
        addBuild(calls, "timeout far too long", r -> r.put("timeoutSeconds", 10_000_000));
        addBuild(calls, "timeout zero", r -> r.put("timeoutSeconds", 0));
        addBuild(calls, "timeout negative", r -> r.put("timeoutSeconds", -1));
        addBuild(calls, "timeout beyond long", r -> r.put("timeoutSeconds", new BigInteger("99999999999999999999999")));
    }

    private void unicodeTricks(List<Call> calls) {
        List<String> tricks = List.of("v1\u202e", "v\u200b1", "v\u04301", "\uff56\uff11", "v1\u0000", "v1\ud83d\ude00",
                "v1\u0301",
                "v1\u00a0", "\ufeffv1", "v1\u2028", "v1\u0085", "v1\ud800");
        for (String trick : tricks) {
            String shown = trick.codePoints().mapToObj(c -> c < 128 ? String.valueOf((char) c) : String.format("U+%04X", c))
                    .reduce("", String::concat);
            addBuild(calls, "unicode tag " + shown, r -> parent(r, "image.tag").put("tag", trick));
            addBuild(calls, "unicode index tag " + shown, r -> ((ArrayNode) r.path("image").get("indexTags")).add(trick));
            addBuild(calls, "unicode arch tag " + shown,
                    r -> ((ObjectNode) r.path("image").get("archTags")).put("linux/ppc64le", trick));
            addBuild(calls, "unicode repository " + shown,
                    r -> parent(r, "image.repository").put("repository", "127.0.0.1:5000/" + trick));
            addBuild(calls, "unicode platform " + shown, r -> ((ArrayNode) r.get("platforms")).add("linux/" + trick));
        }
        addBuild(calls, "homoglyph platform", r -> r.putArray("platforms").add("linux/\u0430md64"));
        addBuild(calls, "fullwidth slash in repository",
                r -> parent(r, "image.repository").put("repository", "127.0.0.1:5000\uff0fapp"));
    }

    private void pathTraversalAndInjection(List<Call> calls) {
        for (String path : List.of("..", "../x", "a/../../x", "./../x", "/etc", "/", "..\\x", "a\\..\\..\\b", "a/./../../b",
                "x/\u0000/y", "C:\\Windows", "a/\n/b", "a/..")) {
            addBuild(calls, "contextDir " + path.replace("\n", "\\n").replace("\u0000", "\\0"),
                    r -> parent(r, "source.contextDir").put("contextDir", path));
            addBuild(calls, "dockerfile " + path.replace("\n", "\\n").replace("\u0000", "\\0"),
                    r -> parent(r, "source.dockerfile").put("dockerfile", path));
        }
        for (String url : List.of("ext::sh -c touch% " + PWNED, "--upload-pack=touch " + PWNED, "-oProxyCommand=touch " + PWNED,
                "file:///nonexistent/$(touch " + PWNED + ")", "https://user:pass@", "http://[::1",
                "git@host:`touch " + PWNED + "`",
                "fd::17", "https://example.com/a b", "javascript:alert(1)")) {
            addBuild(calls, "git url " + url, r -> parent(r, "source.git").put("git", url));
        }
        for (String ref : List.of("--output=" + PWNED, "-h", "main;touch " + PWNED, "$(touch " + PWNED + ")", "main\ntouch",
                "refs/../../x", "", " ", "a..b", "main@{-1}")) {
            addBuild(calls, "ref " + ref.replace("\n", "\\n"), r -> parent(r, "source.ref").put("ref", ref));
        }
        for (String key : List.of("a\r\nX-Injected: 1", "a\nb", "", " ", "a=b", "a b", "dev.archipelago.build", "a\u0000")) {
            addBuild(calls, "label key " + key.replace("\r", "\\r").replace("\n", "\\n").replace("\u0000", "\\0"),
                    r -> ((ObjectNode) r.get("labels")).put(key, "v"));
        }
        for (String value : List.of("v\r\nX-Injected: 1", "v\nInjected: 1", "v\u0000", "v\u001b[31m")) {
            addBuild(calls, "label value " + value.replace("\r", "\\r").replace("\n", "\\n").replace("\u0000", "\\0"),
                    r -> ((ObjectNode) r.get("labels")).put("k", value));
            addBuild(calls, "build-arg value " + value.replace("\r", "\\r").replace("\n", "\\n").replace("\u0000", "\\0"),
                    r -> ((ObjectNode) r.get("buildArgs")).put("K", value));
        }
        for (String key : List.of("A;touch", "$(id)", "A B", "--build-arg", "", "A=B")) {
            addBuild(calls, "build-arg key " + key, r -> ((ObjectNode) r.get("buildArgs")).put(key, "v"));
        }
        for (String template : List.of("{tag}-{arch}/../x", "{nope}", "{tag", "{tag}:{arch}", "")) {
            addBuild(calls, "arch tag template " + template,
                    r -> parent(r, "image.archTagTemplate").put("archTagTemplate", template));
        }
    }

    private void deepNesting(List<Call> calls) {
        for (int depth : new int[] { 1_000, 5_000, 30_000 }) {
            calls.add(post("nested arrays " + depth, "/api/builds",
                    ("[".repeat(depth) + "]".repeat(depth)).getBytes(StandardCharsets.UTF_8)));
            String objects = "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
            calls.add(post("nested objects " + depth, "/api/builds", objects.getBytes(StandardCharsets.UTF_8)));
            ObjectNode request = valid();
            String labels = request.toString().replace("\"labels\":{\"team\":\"a\"}", "\"labels\":{\"team\":" + objects + "}");
            calls.add(post("nested label value " + depth, "/api/builds", labels.getBytes(StandardCharsets.UTF_8)));
        }
        calls.add(post("nested pipeline " + 5000, "/api/pipelines", ("{\"name\":" + "[".repeat(5000) + "]".repeat(5000) + "}")
                .getBytes(StandardCharsets.UTF_8)));
    }

    private void bigBodies(List<Call> calls) {
        byte[] tenMegabytes = new byte[10 * 1024 * 1024];
        Arrays.fill(tenMegabytes, (byte) 'a');
        byte[] justOver = new byte[64 * 1024 + 1];
        Arrays.fill(justOver, (byte) ' ');
        for (String path : List.of("/api/builds", "/api/pipelines")) {
            calls.add(post("10 MB with a length to " + path, path, tenMegabytes));
            calls.add(new Call("10 MB chunked to " + path, "POST", path, Map.of("Content-Type", "application/json"),
                    tenMegabytes, true));
            calls.add(post("64 KiB + 1 to " + path, path, justOver));
            calls.add(new Call("64 KiB + 1 chunked to " + path, "POST", path, Map.of("Content-Type", "application/json"),
                    justOver, true));
        }
        calls.add(new Call("10 MB chunked PUT pipeline", "PUT", "/api/pipelines/x", Map.of("Content-Type", "application/json"),
                tenMegabytes, true));
        calls.add(new Call("10 MB chunked to a cancel", "POST", "/api/builds/" + UUID.randomUUID() + "/cancel",
                Map.of("Content-Type", "application/json"), tenMegabytes, true));
    }

    private void brokenJson(List<Call> calls) {
        ObjectNode request = valid();
        String good = request.toString();
        Map<String, byte[]> bodies = new LinkedHashMap<>();
        for (String text : List.of("", " ", "{", "}", "[]", "null", "\"x\"", "123", "true", "{\"source\":}",
                good.replace("}}", "},}"),
                good.substring(0, good.length() / 2), good + "garbage", good + good, "/* c */" + good, good.replace('"', '\''),
                good.replace("600", "NaN"), good.replace("600", "Infinity"), good.replace("600", "1e999"),
                good.replace("600", "6e2"),
                good.replace("\"timeoutSeconds\":600", "\"timeoutSeconds\":600,\"timeoutSeconds\":700"),
                good.replace("{\"source\"", "{\"source\":{\"git\":\"x\"},\"source\""),
                good.replace("\"allowPartial\"", "\"unknownField\":1,\"allowPartial\""),
                good.replace("\"contextDir\"", "\"unknownNested\":1,\"contextDir\""),
                "{}", "{\"source\": {}}", good.replace("\"v1\"", "\"\\u00\""), good.replace("\"v1\"", "\"\\x41\""))) {
            bodies.put("broken json: " + (text.length() > 40 ? text.substring(0, 40) + "..." : text),
                    text.getBytes(StandardCharsets.UTF_8));
        }
        bodies.put("BOM before the JSON",
                concat(new byte[] { (byte) 0xEF, (byte) 0xBB, (byte) 0xBF }, good.getBytes(StandardCharsets.UTF_8)));
        bodies.put("UTF-16 body", good.getBytes(StandardCharsets.UTF_16));
        bodies.put("invalid UTF-8", concat(good.substring(0, 20).getBytes(StandardCharsets.UTF_8),
                new byte[] { (byte) 0xFF, (byte) 0xFE, (byte) 0xC0 }));
        bodies.put("random bytes", randomBytes(4096));
        bodies.forEach((name, body) -> {
            calls.add(post(name, "/api/builds", body));
            calls.add(post(name + " (pipeline)", "/api/pipelines", body));
        });
    }

    private void hostileQueriesPathsAndHeaders(List<Call> calls) {
        for (String state : List.of("'%20OR%201=1--", "%3Cscript%3E", "a".repeat(5000), "%00", "RUNNING", "queued;DROP")) {
            calls.add(get("state=" + state.substring(0, Math.min(20, state.length())), "/api/builds?state=" + state));
        }
        for (String limit : List.of("-1", "abc", "1e9", "99999999999999999999", "0x10", "1;2")) {
            calls.add(get("limit=" + limit, "/api/builds?limit=" + limit));
        }
        for (String path : List.of("/api/builds/..%2F..%2Fetc%2Fpasswd", "/api/builds/%2e%2e",
                "/api/builds/" + "9".repeat(5000),
                "/api/builds/%00", "/api/builds/" + UUID.randomUUID(), "/api/builds/not-a-uuid/events",
                "/api/pipelines/..%2F..",
                "/api/pipelines/%3Cscript%3E", "/api/nothing", "/api/builds/" + UUID.randomUUID() + "/nothing")) {
            calls.add(get("GET " + path.substring(0, Math.min(60, path.length())), path));
        }
        for (String path : List.of("/api/builds/" + UUID.randomUUID() + "/retry",
                "/api/builds/" + UUID.randomUUID() + "/cancel",
                "/api/builds/%2e%2e/cancel", "/api/builds/x/retry")) {
            calls.add(new Call("POST " + path, "POST", path, Map.of(), new byte[0], false));
        }
        byte[] good = valid().toString().getBytes(StandardCharsets.UTF_8);
        for (String type : List.of("text/plain", "application/xml", "multipart/form-data; boundary=x",
                "application/x-www-form-urlencoded",
                "application/json; charset=utf-7")) {
            calls.add(new Call("Content-Type " + type, "POST", "/api/builds", Map.of("Content-Type", type), good, false));
        }
        calls.add(new Call("no Content-Type", "POST", "/api/builds", Map.of(), good, false));
        calls.add(new Call("Accept application/xml", "GET", "/api/builds", Map.of("Accept", "application/xml"), null, false));
        calls.add(new Call("PATCH builds", "PATCH", "/api/builds", Map.of("Content-Type", "application/json"), good, false));
        calls.add(new Call("DELETE builds", "DELETE", "/api/builds", Map.of(), null, false));
        calls.add(new Call("PUT a build", "PUT", "/api/builds/" + UUID.randomUUID(), Map.of("Content-Type", "application/json"),
                good, false));
        for (String authorization : List.of("Bearer " + "x".repeat(6000), "Bearer\ttest-admin-token",
                "Bearer test-admin-token test",
                "Bearer \u00e9", "Digest username=admin", "Bearer null", "Bearer ../../etc/passwd")) {
            calls.add(new Call("Authorization " + authorization.substring(0, Math.min(30, authorization.length())), "POST",
                    "/api/builds",
                    Map.of("Content-Type", "application/json", "Authorization", authorization), good, false));
        }
        for (String name : List.of("../x", "a".repeat(300), "x\u202e", "", "a b")) {
            String pipeline = """
                    {"name": "%s", "provider": "gitlab", "project": "org/app", "branches": ["main"],
                     "repository": "127.0.0.1:5000/hostile", "tagTemplate": "{branch}", "platforms": ["linux/amd64"]}"""
                    .formatted(name);
            calls.add(post("pipeline named " + name.substring(0, Math.min(20, name.length())), "/api/pipelines",
                    pipeline.getBytes(StandardCharsets.UTF_8)));
        }
        for (String field : List.of("\"provider\": \"bitbucket\"", "\"project\": \"../../x\"",
                "\"branches\": [\"$(touch " + PWNED + ")\"]",
                "\"repository\": \"127.0.0.1:5000/UPPER\"", "\"tagTemplate\": \"{nope}\"")) {
            String pipeline = """
                    {"name": "hostile-field", "provider": "gitlab", "project": "org/app", "branches": ["main"],
                     "repository": "127.0.0.1:5000/hostile", "tagTemplate": "{branch}", "platforms": ["linux/amd64"], %s}"""
                    .formatted(field);
            calls.add(post("pipeline with " + field, "/api/pipelines", pipeline.getBytes(StandardCharsets.UTF_8)));
        }
    }

    private static Call get(String name, String path) {
        return new Call(name, "GET", path, Map.of("Accept", "application/json"), null, false);
    }

    private HttpResponse<String> send(Call call) throws Exception {
        URI uri = URI.create(base.toString().replaceAll("/$", "") + call.path());
        HttpRequest.BodyPublisher body = call.body() == null ? HttpRequest.BodyPublishers.noBody()
                : call.chunked() ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(call.body()))
                        : HttpRequest.BodyPublishers.ofByteArray(call.body());
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).method(call.method(), body);
        if (!call.headers().containsKey("Authorization")) {
            request.header("Authorization", ApiTokens.bearer(ApiTokens.ADMIN));
        }
        call.headers().forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random(9).nextBytes(bytes);
        return bytes;
    }
}
