package io.edgesync.multisite;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;

import io.edgesync.embedded.Ports;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * One EdgeSync process started from the packaged jar ({@code java -jar quarkus-run.jar}), as a deployment would start
 * it: a role, an edge id, its own database, the shared Kafka, its own HTTP port, no embedded servers.
 */
final class SiteProcess {

    /** The packaged application next to the test classes of this build ({@code <build dir>/quarkus-app}). */
    static final Path JAR = buildDirectory().resolve("quarkus-app").resolve("quarkus-run.jar");

    /** When an edge calls its change stream stalled. */
    static final int STALLED_AFTER_SECONDS = 4;

    /** The declared table that edge scopes hold by region. */
    static final String REGIONAL = "regional";

    /** The declared per-user table that an edge scope holds by owner. */
    static final String JOURNAL = "journal";

    private final String name;
    private final Path workDir;
    private final int httpPort;
    private final Map<String, String> properties = new LinkedHashMap<>();
    private String adminToken;
    private Process process;
    private int starts;
    private Path log;

    private SiteProcess(String name, Path workDir, String role, String databaseUrl, String bootstrapServers) {
        this.name = name;
        this.workDir = workDir;
        this.httpPort = Ports.freePort();
        properties.put("edgesync.role", role);
        properties.put("edgesync.edge.id", name);
        properties.put("quarkus.datasource.reactive.url", databaseUrl);
        properties.put("quarkus.datasource.username", "postgres");
        properties.put("kafka.bootstrap.servers", bootstrapServers);
        properties.put("quarkus.http.port", Integer.toString(httpPort));
        properties.put("edgesync.embedded.enabled", "false");
        properties.put("edgesync.tables.auto-create", "true");
        // Devices without tokens, as in the local default; these scenarios are about events, not authentication.
        properties.put("edgesync.security.anonymous", "true");
        properties.put("quarkus.http.auth.permission.metrics.policy", "permit");
        // Readiness says "events delayed" soon, so the outage scenarios need not wait long to see it.
        properties.put("edgesync.events.delayed-after-seconds", "3");
        // Central beats every second and edges call the change stream stalled after STALLED_AFTER_SECONDS without one.
        properties.put("edgesync.events.heartbeat-interval-seconds", "1");
        properties.put("edgesync.events.stalled-after-seconds", Integer.toString(STALLED_AFTER_SECONDS));
        // Table regional as every site of a deployment declares it: shared rows (not per user), a string column region
        // that edge scopes filter on. Each edge's scope of it is its own setting.
        properties.put("edgesync.tables.declared." + REGIONAL + ".per-user", "false");
        properties.put("edgesync.tables.declared." + REGIONAL + ".columns.region", "string");
        // Table journal as every site declares it: rows per user, a string column note. Edges hold it whole unless
        // their scope of it says otherwise (edge 4 holds the rows of the users who come to it).
        properties.put("edgesync.tables.declared." + JOURNAL + ".per-user", "true");
        properties.put("edgesync.tables.declared." + JOURNAL + ".columns.note", "string");
    }

    static SiteProcess edge(String edgeId, Path root, String databaseUrl, String bootstrapServers) {
        return new SiteProcess(edgeId, directory(root, edgeId), "edge", databaseUrl, bootstrapServers);
    }

    static SiteProcess central(Path root, String databaseUrl, String bootstrapServers) {
        return central("central", root, databaseUrl, bootstrapServers);
    }

    /** Another instance of the central service, with the same database and consumer group as the others. */
    static SiteProcess central(String name, Path root, String databaseUrl, String bootstrapServers) {
        return new SiteProcess(name, directory(root, name), "central", databaseUrl, bootstrapServers);
    }

    String name() {
        return name;
    }

    /** Where this process answers HTTP (whether it runs or not). */
    String baseUrl() {
        return "http://localhost:" + httpPort;
    }

    /** Whether the process was started and has not stopped since. */
    boolean running() {
        return process != null && process.isAlive();
    }

    /** Adds settings (system properties) for the next start. */
    SiteProcess with(Map<String, String> settings) {
        properties.putAll(settings);
        return this;
    }

    /**
     * A bearer token of the admin role for the test's readiness requests: a process that does not serve callers without
     * a token shows the details of its checks to that role only.
     */
    SiteProcess withAdminToken(String token) {
        this.adminToken = token;
        return this;
    }

    /** Changes the Kafka the next start connects to. */
    SiteProcess withBootstrapServers(String bootstrapServers) {
        properties.put("kafka.bootstrap.servers", bootstrapServers);
        return this;
    }

    /** Starts the process (its output goes to {@code <name>-<n>.log} in its directory). */
    SiteProcess start() {
        assertThat(JAR).as("packaged application (run mvnw package first)").exists();
        starts++;
        log = workDir.resolve(name + "-" + starts + ".log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-XX:+UseSerialGC");
        command.add("-XX:TieredStopAtLevel=1");
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-jar");
        command.add(JAR.toAbsolutePath().toString());
        try {
            process = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start " + name, e);
        }
        return this;
    }

    /** Waits until readiness answers UP. */
    SiteProcess awaitReady() {
        Awaitility.await(name + " ready (log " + log + ")")
                .atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500))
                .ignoreExceptions()
                .untilAsserted(() -> {
                    assertThat(process.isAlive()).as(name + " alive").isTrue();
                    assertThat(http().get("/q/health/ready").statusCode()).isEqualTo(200);
                });
        return this;
    }

    /** SIGTERM and wait for the clean stop. */
    void stop() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGKILL: no shutdown hook, no flush, nothing. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as(name + " killed").isTrue();
    }

    /** A request to this process. */
    RequestSpecification http() {
        return given().port(httpPort);
    }

    /** A table-protocol request of a device of this site. */
    RequestSpecification device(String deviceId) {
        return http().header("ZUMO-API-VERSION", "2.0.0").header("X-ZUMO-INSTALLATION-ID", deviceId);
    }

    /** The readiness document, with the details of its checks. */
    Response readiness() {
        RequestSpecification request = http();
        if (adminToken != null) {
            request.header("Authorization", "Bearer " + adminToken);
        }
        return request.get("/q/health/ready");
    }

    /** The last lines of the current log, for failure messages. */
    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static Path directory(Path root, String name) {
        try {
            return Files.createDirectories(root.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path buildDirectory() {
        try {
            Path testClasses = Path.of(SiteProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return testClasses.getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
