package dev.archipelago.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.infra.Tools;

/**
 * The dashboard in a real headless Chromium (Debian's chromium and chromedriver) against the whole
 * stack as processes: a build submitted through the form, watched live until both lanes have
 * pushed and the index is there, without the page reloading; the form's refusal in the API's words;
 * a failed platform's error and log tail, and the retry and cancel buttons; the workers and the
 * builds lists. Screenshots go to {@code target/screenshots/} and are checked not to be blank.
 */
class DashboardBrowserTest {

    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(4);
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");

    @RegisterExtension
    static final RunningStack running = new RunningStack("archipelago-dashboard");
    private static ChromeDriverService driverService;
    private static WebDriver browser;
    private static String dashboard;

    @BeforeAll
    static void start() {
        Path chromium = Tools.require("chromium", "chromium");
        Path chromedriver = Tools.require("chromedriver", "chromium-driver");
        dashboard = running.stack().dispatcher().toString().replaceAll("/$", "");

        driverService = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile()).usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1100", "--no-first-run", "--disable-extensions", "--disable-background-networking");
        browser = new ChromeDriver(driverService, options);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30)).scriptTimeout(Duration.ofSeconds(10));
        enterTheApiToken();
    }

    /** Without a token the page says to enter one; with the stack's token (kept for the tab) the builds appear. */
    private static void enterTheApiToken() {
        browser.get(dashboard + "/");
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(15));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("main"), "Enter an API token"));
        browser.findElement(By.id("token")).sendKeys(running.stack().apiToken());
        browser.findElement(By.id("token-use")).click();
        wait.until(ExpectedConditions.attributeContains(By.id("token"), "placeholder", "API token set"));
        wait.until(ExpectedConditions
                .not(ExpectedConditions.textToBePresentInElementLocated(By.tagName("main"), "Enter an API token")));
        assertThat(browser.findElement(By.id("token")).getAttribute("value")).as("the token is not left in the field")
                .isEmpty();
    }

    @AfterAll
    static void stop() {
        try {
            if (browser != null) {
                browser.quit();
            }
        } finally {
            if (driverService != null) {
                driverService.stop();
            }
        }
    }

    @Test
    void aBuildSubmittedThroughTheFormIsWatchedLiveUntilItsIndexIsPushed() throws Exception {
        try (ScratchGitRepository app = appRepository("")) {
            String repository = running.stack().registryHost() + "/dashboard-demo";
            browser.get(dashboard + "/submit");
            WebDriverWait wait = wait(Duration.ofSeconds(15));
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("submit-form")));

            // a refusal is shown in the API's own words, and nothing is built
            fill("f-git", app.url());
            fill("f-repository", "Quay.io/Demo");
            fill("f-tag", "v1");
            browser.findElement(By.id("submit")).click();
            WebElement problem = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("submit-problem")));
            String apiSays = problemDetail("""
                    {"source": {"git": "%s", "ref": "main"}, "image": {"repository": "Quay.io/Demo", "tag": "v1"},
                     "platforms": ["linux/amd64", "linux/ppc64le"], "allowEmulation": false, "allowPartial": false}"""
                    .formatted(app.url()));
            assertThat(problem.getText()).isEqualTo(apiSays).contains("must be lower case");
            assertThat(browser.getCurrentUrl()).endsWith("/submit");

            fill("f-repository", repository);
            fill("f-indexTags", "latest");
            browser.findElement(By.id("f-allowEmulation")).click();
            fill("f-buildArgs", "BASE=" + running.base());
            fill("f-timeoutSeconds", "600");
            browser.findElement(By.id("submit")).click();
            wait.until(ExpectedConditions.urlMatches("/builds/[0-9a-f-]{36}$"));
            String id = browser.getCurrentUrl().substring(browser.getCurrentUrl().lastIndexOf('/') + 1);
            ((JavascriptExecutor) browser).executeScript("window.archipelagoTestMarker = 'same page';");

            WebDriverWait build = wait(BUILD_TIMEOUT);
            build.until(ExpectedConditions.textToBe(By.cssSelector(".title-row .badge"), "SUCCEEDED"));
            for (String platform : List.of("linux/amd64", "linux/ppc64le")) {
                WebElement lane = browser.findElement(By.cssSelector("section.lane[data-platform='" + platform + "']"));
                assertThat(lane.getAttribute("data-state")).isEqualTo("SUCCEEDED");
                assertThat(lane.findElements(By.cssSelector(".step.done"))).hasSize(3);
                assertThat(lane.findElement(By.cssSelector(".digest")).getAttribute("title")).startsWith("sha256:");
            }
            assertThat(browser.findElement(By.cssSelector("section.lane[data-platform='linux/ppc64le']")).getText())
                    .contains("yes (QEMU)");
            JsonNode api = running.api().build(id);
            assertThat(browser.findElement(By.id("index-digest")).getText())
                    .isEqualTo(api.path("index").path("digest").asText());
            assertThat(browser.findElement(By.id("pull-reference")).getText())
                    .isEqualTo("podman pull " + repository + "@" + api.path("index").path("digest").asText());
            assertThat(browser.findElement(By.id("index")).getText()).contains("v1").contains("latest");
            // what the assembler attached beside the images: provenance, SBOM and signature of each, provenance and signature of the index
            List<String> attached = browser.findElements(By.cssSelector("#attestations tr[data-kind]")).stream()
                    .map(r -> r.getAttribute("data-kind") + " " + r.getAttribute("data-platform")).toList();
            assertThat(attached).containsExactlyInAnyOrder("PROVENANCE linux/amd64", "SBOM linux/amd64",
                    "SIGNATURE linux/amd64",
                    "PROVENANCE linux/ppc64le", "SBOM linux/ppc64le", "SIGNATURE linux/ppc64le", "PROVENANCE index",
                    "SIGNATURE index");
            assertThat(browser.findElement(By.id("attestations")).getText()).contains("cosign signature")
                    .contains("SLSA provenance")
                    .contains("CycloneDX SBOM");
            assertThat(((JavascriptExecutor) browser).executeScript("return window.archipelagoTestMarker;"))
                    .as("the page followed the build without reloading").isEqualTo("same page");
            assertThat(browser.findElement(By.id("cancel")).isEnabled()).isFalse();
            screenshot("dashboard-build.png");

            browser.findElement(By.id("nav-builds")).click();
            WebElement row = wait
                    .until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("tr[data-build='" + id + "']")));
            assertThat(row.getText()).contains("SUCCEEDED").contains(repository + ":v1").contains(app.head().substring(0, 8));
            screenshot("dashboard-builds.png");

            browser.findElement(By.id("nav-workers")).click();
            wait.until(d -> d.findElements(By.cssSelector("#workers tr[data-worker]")).size() >= 2);
            String workers = browser.findElement(By.id("workers")).getText();
            assertThat(workers).contains("linux/amd64").contains("linux/ppc64le").contains("live");
            screenshot("dashboard-workers.png");
        }
    }

    @Test
    void aPlatformThatReusedAnImageSaysSoAndLinksTheBuildThatMadeIt() throws Exception {
        try (ScratchGitRepository app = appRepository("")) {
            String request = """
                    {"source": {"git": "%s", "ref": "main"}, "image": {"repository": "%s/dashboard-reuse", "tag": "%s",
                       "supplyChain": {"provenance": false, "sbom": false, "signatures": false}},
                     "platforms": ["linux/amd64", "linux/ppc64le"], "allowEmulation": true,
                     "buildArgs": {"BASE": "%s"}, "timeoutSeconds": 600}""";
            String first = running.api().submit(request.formatted(app.url(), running.stack().registryHost(), "v1",
                    running.base()));
            assertThat(running.api().follow(first, BUILD_TIMEOUT, System.out::println).path("state").asText())
                    .isEqualTo("SUCCEEDED");
            String second = running.api().submit(request.formatted(app.url(), running.stack().registryHost(), "v2",
                    running.base()));
            assertThat(running.api().follow(second, BUILD_TIMEOUT, System.out::println).path("state").asText())
                    .isEqualTo("SUCCEEDED");

            browser.get(dashboard + "/builds/" + second);
            wait(Duration.ofSeconds(15)).until(ExpectedConditions.textToBe(By.cssSelector(".title-row .badge"), "SUCCEEDED"));
            for (String platform : List.of("linux/amd64", "linux/ppc64le")) {
                WebElement lane = browser.findElement(By.cssSelector("section.lane[data-platform='" + platform + "']"));
                assertThat(lane.findElement(By.cssSelector(".lane-head .chip.reused")).getText()).isEqualTo("reused");
                assertThat(lane.findElement(By.cssSelector(".reused-from")).getText())
                        .isEqualTo("built nothing: same inputs as build " + first);
            }
            screenshot("dashboard-reused.png");
            browser.findElement(By.cssSelector("section.lane[data-platform='linux/amd64'] .reused-from a")).click();
            wait(Duration.ofSeconds(15)).until(ExpectedConditions.urlMatches("/builds/" + first + "$"));
            wait(Duration.ofSeconds(15)).until(ExpectedConditions.textToBe(By.cssSelector(".title-row .badge"), "SUCCEEDED"));
            assertThat(browser.findElements(By.cssSelector(".chip.reused"))).as("the first build built both").isEmpty();
        }
    }

    @Test
    void aFailedPlatformShowsItsErrorAndLogTailAndCanBeRetriedOrCancelledFromThePage() throws Exception {
        try (ScratchGitRepository app = appRepository("RUN echo 'cannot build this here' >&2; exit 3")) {
            String id = submitAmd64(app, "dashboard-fails");
            browser.get(dashboard + "/builds/" + id);
            WebDriverWait build = wait(BUILD_TIMEOUT);
            build.until(ExpectedConditions.textToBe(By.cssSelector(".title-row .badge"), "FAILED"));
            WebElement lane = browser.findElement(By.cssSelector("section.lane[data-platform='linux/amd64']"));
            assertThat(lane.findElement(By.cssSelector(".error-code")).getText()).isEqualTo("BUILD_FAILED");
            assertThat(lane.findElement(By.cssSelector(".error-message")).getText()).isNotBlank();
            assertThat(lane.findElement(By.cssSelector("pre.log-tail")).getText()).contains("cannot build this here");
            assertThat(browser.findElement(By.id("build-error")).getText()).contains("linux/amd64");
            screenshot("dashboard-failed.png");

            browser.findElement(By.id("retry")).click();
            build.until(ExpectedConditions.textToBe(By.id("attempt"), "2"));
            build.until(ExpectedConditions.textToBe(By.cssSelector(".title-row .badge"), "FAILED"));
            assertThat(running.api().build(id).path("attempt").asInt()).isEqualTo(2);
            assertThat(browser.findElement(By.cssSelector("pre.log-tail")).getText()).contains("cannot build this here");
        }

        try (ScratchGitRepository slow = appRepository("RUN sleep 120")) {
            String id = submitAmd64(slow, "dashboard-slow");
            browser.get(dashboard + "/builds/" + id);
            WebDriverWait wait = wait(Duration.ofSeconds(60));
            wait.until(ExpectedConditions.attributeToBe(By.cssSelector("section.lane[data-platform='linux/amd64']"),
                    "data-state", "BUILDING"));
            browser.findElement(By.id("cancel")).click();
            wait.until(ExpectedConditions.textToBe(By.cssSelector(".title-row .badge"), "CANCELLED"));
            assertThat(browser.findElement(By.cssSelector("section.lane")).getAttribute("data-state")).isEqualTo("CANCELLED");
            assertThat(running.api().build(id).path("state").asText()).isEqualTo("CANCELLED");
        }
    }

    /** A wait that polls four times a second and looks again when the page re-rendered the element it held. */
    private static WebDriverWait wait(Duration timeout) {
        WebDriverWait wait = new WebDriverWait(browser, timeout, Duration.ofMillis(250));
        wait.ignoring(StaleElementReferenceException.class);
        return wait;
    }

    /** Submits the app for linux/amd64 through the API, to {@code <registry>/<repository>:v1}. */
    private static String submitAmd64(ScratchGitRepository app, String repository) {
        return running.api().submit("""
                {"source": {"git": "%s", "ref": "main"},
                 "image": {"repository": "%s/%s", "tag": "v1"},
                 "platforms": ["linux/amd64"], "buildArgs": {"BASE": "%s"}, "timeoutSeconds": 600}"""
                .formatted(app.url(), running.stack().registryHost(), repository, running.base()));
    }

    private static void fill(String id, String value) {
        WebElement input = browser.findElement(By.id(id));
        input.clear();
        input.sendKeys(value);
    }

    private String problemDetail(String body) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                running.stack().api().authorized(URI.create(dashboard + "/api/builds"))
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(400);
        return new ObjectMapper().readTree(response.body()).path("detail").asText();
    }

    /** Saves a screenshot under target/screenshots and checks that it shows something: many colours, not one flat fill. */
    private static void screenshot(String name) throws IOException {
        byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
        Files.createDirectories(SCREENSHOTS);
        Files.write(SCREENSHOTS.resolve(name), png);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(image.getWidth()).isGreaterThan(800);
        int background = image.getRGB(image.getWidth() - 1, image.getHeight() - 1);
        Set<Integer> colours = new HashSet<>();
        long different = 0;
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                int rgb = image.getRGB(x, y);
                colours.add(rgb);
                if (rgb != background) {
                    different++;
                }
            }
        }
        long sampled = (long) ((image.getHeight() + 1) / 2) * ((image.getWidth() + 1) / 2);
        assertThat(colours.size()).as("colours in %s", name).isGreaterThan(50);
        assertThat((double) different / sampled).as("share of non-background pixels in %s", name).isGreaterThan(0.05);
    }

    private static ScratchGitRepository appRepository(String extraStep) {
        ScratchGitRepository git = ScratchGitRepository.create();
        git.write("hello.sh", "#!/bin/sh\necho \"Hello from $(uname -m)\"\n")
                .write("Dockerfile", """
                        ARG BASE
                        FROM ${BASE}
                        COPY hello.sh /usr/local/bin/hello
                        %s
                        RUN chmod 0755 /usr/local/bin/hello
                        """.formatted(extraStep)).commit("app");
        return git;
    }
}
