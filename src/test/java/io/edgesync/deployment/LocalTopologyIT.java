package io.edgesync.deployment;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import io.edgesync.embedded.Ports;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * deploy/local-topology.sh against the packaged jar: {@code up} starts one PostgreSQL, one Kafka broker, a central and
 * two edge processes, each on its own port and database; {@code status} reports them healthy; a write through edge 1 is
 * pulled through edge 2; {@code down} leaves no process behind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalTopologyIT {

    private static final Path SCRIPT = Manifests.REPOSITORY.resolve("deploy/local-topology.sh");
    private static final List<String> APPS = List.of("central", "edge1", "edge2");
    private static final String ZUMO_VERSION = "2.0.0";

    private Path directory;
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private boolean down;

    @BeforeAll
    void up() throws Exception {
        Path buildDirectory = buildDirectory();
        assertThat(buildDirectory.resolve("quarkus-app/quarkus-run.jar")).as("packaged application").exists();
        directory = Files.createTempDirectory("edgesync-topology-");
        for (String name : List.of("central", "edge1", "edge2", "postgres", "kafka", "controller")) {
            ports.put(name, Ports.freePortOtherThan(ports.values().stream().mapToInt(Integer::intValue).toArray()));
        }

        // Given a topology brought up by the script, on free ports, in a fresh directory
        Result up = run("up", Duration.ofMinutes(3));

        assertThat(up.exitCode()).as("up failed:\n" + up.output() + logs()).isZero();
    }

    @Test
    @Order(1)
    void statusReportsEveryProcessRunningAndHealthy() throws Exception {
        // When status runs
        Result status = run("status", Duration.ofSeconds(60));

        // Then it exits 0 and shows each process with its port, the EdgeSync ones with all health checks UP
        assertThat(status.exitCode()).as(status.output()).isZero();
        for (String name : List.of("postgres", "kafka")) {
            assertThat(status.output()).containsPattern("(?m)^" + name + "\\s+\\d+\\s+running\\s+" + ports.get(
                    name.equals("postgres") ? "postgres" : "kafka"));
        }
        for (String app : APPS) {
            assertThat(status.output()).containsPattern("(?m)^" + app + "\\s+\\d+\\s+running\\s+" + ports.get(app)
                    + "\\s+started=UP live=UP ready=UP$");
        }
    }

    @Test
    @Order(2)
    void everyProcessServesTheProbeAndMetricsPathsTheManifestsUse() {
        // Given the paths the Kubernetes probes and the ServiceMonitor use
        ApplicationFacts app = ApplicationFacts.load();
        List<String> paths = List.of(app.startupPath(), app.livenessPath(), app.readinessPath(), app.metricsPath());

        // Then every EdgeSync process answers them
        for (String name : APPS) {
            for (String path : paths) {
                given().port(ports.get(name)).when().get(path).then().statusCode(200);
            }
        }
    }

    @Test
    @Order(3)
    void edgesServeDevicesAndCentralDoesNot() {
        // When a device writes through edge 1
        String id = "it-" + UUID.randomUUID();
        write(ports.get("edge1"), id, "written through edge 1");

        // Then edge 1 serves it back, and central has no device endpoints
        given().port(ports.get("edge1"))
                .header("ZUMO-API-VERSION", ZUMO_VERSION)
                .when()
                .get("/tables/todoitem/{id}", id)
                .then()
                .statusCode(200)
                .body("text", equalTo("written through edge 1"));
        given().port(ports.get("central"))
                .header("ZUMO-API-VERSION", ZUMO_VERSION)
                .when()
                .get("/tables/todoitem")
                .then()
                .statusCode(404);
    }

    @Test
    @Order(4)
    void writeThroughOneEdgeIsPulledThroughTheOther() {
        // Given a device that writes through edge 1
        String id = "it-" + UUID.randomUUID();
        write(ports.get("edge1"), id, "milk");

        // When a device of edge 2 pulls incrementally (the request the Azure Mobile Apps client sends)
        // Then the row arrives within 15 seconds (edge 1 -> edgesync.cud -> central -> edgesync.changes -> edge 2)
        Awaitility.await("row " + id + " pulled through edge 2")
                .atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> assertThat(pull(ports.get("edge2"))).contains(id));
        given().port(ports.get("edge2"))
                .header("ZUMO-API-VERSION", ZUMO_VERSION)
                .when()
                .get("/tables/todoitem/{id}", id)
                .then()
                .statusCode(200)
                .body("text", equalTo("milk"));
    }

    @Test
    @Order(5)
    void downStopsEveryProcessAndLeavesNoneBehind() throws Exception {
        // Given every process of the topology, and what they started (the postmaster and its workers)
        Set<Long> pids = topologyProcesses();
        assertThat(pids).as("processes of the running topology").hasSizeGreaterThanOrEqualTo(5);

        // When the topology goes down
        Result result = run("down", Duration.ofMinutes(2));
        down = true;

        // Then the script succeeds and none of those processes, nor any other of this topology, is left
        assertThat(result.exitCode()).as(result.output()).isZero();
        Awaitility.await("every process gone")
                .atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(pids.stream().filter(LocalTopologyIT::alive)).isEmpty());
        assertThat(processesMentioning(directory.toString())).as("processes still mentioning " + directory).isEmpty();
        assertThat(directory.resolve("postgres/data/postmaster.pid")).doesNotExist();
        // And status knows it is down
        assertThat(run("status", Duration.ofSeconds(30)).exitCode()).isEqualTo(3);
    }

    @AfterAll
    void cleanUp() throws Exception {
        if (directory == null) {
            return;
        }
        if (!down) {
            run("down", Duration.ofMinutes(2));
        }
        // Whatever a failed run left: end it by PID, then remove the directory.
        for (long pid : processesMentioning(directory.toString())) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    // ------------------------------------------------------------------------------------------------------------

    private static void write(int port, String id, String text) {
        given().port(port)
                .header("ZUMO-API-VERSION", ZUMO_VERSION)
                .contentType(ContentType.JSON)
                .body(Map.of("id", id, "text", text, "complete", false))
                .when()
                .post("/tables/todoitem")
                .then()
                .statusCode(201);
    }

    private static List<String> pull(int port) {
        Response response = given().port(port)
                .header("ZUMO-API-VERSION", ZUMO_VERSION)
                .urlEncodingEnabled(true)
                .queryParam("$filter", "(updatedAt ge datetimeoffset'1970-01-01T00:00:00.000Z')")
                .queryParam("$orderby", "updatedAt")
                .queryParam("$top", "1000")
                .queryParam("__includeDeleted", "true")
                .when()
                .get("/tables/todoitem");
        assertThat(response.statusCode()).isEqualTo(200);
        return response.jsonPath().getList("id", String.class);
    }

    private record Result(int exitCode, String output) {
    }

    private Result run(String command, Duration timeout) throws IOException, InterruptedException {
        Path output = Files.createTempFile("topology-" + command + "-", ".log");
        Path build = buildDirectory();
        ProcessBuilder builder = new ProcessBuilder("bash", SCRIPT.toString(), command)
                .directory(Manifests.REPOSITORY.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        Map<String, String> env = builder.environment();
        env.put("TOPOLOGY_DIR", directory.toString());
        env.put("TOPOLOGY_APP_DIR", build.resolve("quarkus-app").toString());
        env.put("TOPOLOGY_TEST_CLASSES", build.resolve("test-classes").toString());
        env.put("TOPOLOGY_CENTRAL_PORT", ports.get("central").toString());
        env.put("TOPOLOGY_EDGE_PORTS", ports.get("edge1") + " " + ports.get("edge2"));
        env.put("TOPOLOGY_POSTGRES_PORT", ports.get("postgres").toString());
        env.put("TOPOLOGY_KAFKA_PORT", ports.get("kafka").toString());
        env.put("TOPOLOGY_KAFKA_CONTROLLER_PORT", ports.get("controller").toString());
        env.put("TOPOLOGY_START_TIMEOUT", "120");
        env.put("JAVA_HOME", System.getProperty("java.home"));
        Process process = builder.start();
        boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!finished) {
            process.destroyForcibly();
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        Files.deleteIfExists(output);
        return new Result(finished ? process.exitValue() : -1, text);
    }

    /** The PIDs the script recorded, the postmaster, and every descendant of them. */
    private Set<Long> topologyProcesses() throws IOException {
        Set<Long> pids = new LinkedHashSet<>();
        for (String name : List.of("postgres", "kafka", "central", "edge1", "edge2")) {
            Path file = directory.resolve(name).resolve("pid");
            assertThat(file).as("PID file of " + name).exists();
            pids.add(Long.parseLong(Files.readString(file).trim()));
        }
        Path postmaster = directory.resolve("postgres/data/postmaster.pid");
        assertThat(postmaster).exists();
        pids.add(Long.parseLong(Files.readAllLines(postmaster).get(0).trim()));
        for (Long pid : List.copyOf(pids)) {
            ProcessHandle.of(pid).ifPresent(p -> p.descendants().forEach(d -> pids.add(d.pid())));
        }
        pids.addAll(processesMentioning(directory.toString()));
        assertThat(pids.stream().filter(LocalTopologyIT::alive).collect(Collectors.toList()))
                .as("every recorded process is alive before down")
                .hasSameSizeAs(pids);
        return pids;
    }

    /** Live (non-zombie) processes whose command line mentions {@code text}. */
    private static List<Long> processesMentioning(String text) throws IOException {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            for (Path entry : entries.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                long pid = Long.parseLong(entry.getFileName().toString());
                if (pid == ProcessHandle.current().pid()) {
                    continue;
                }
                try {
                    String cmdline = new String(Files.readAllBytes(entry.resolve("cmdline")), StandardCharsets.UTF_8)
                            .replace('\0', ' ');
                    if (cmdline.contains(text) && alive(pid)) {
                        pids.add(pid);
                    }
                } catch (IOException e) {
                    // The process ended while we looked.
                }
            }
        }
        return pids;
    }

    /** Alive and not a zombie: an exited child nobody reaped yet is gone for our purposes. */
    static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String state = stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
            return !state.equals("Z") && !state.equals("X");
        } catch (IOException e) {
            return false;
        }
    }

    private String logs() {
        StringBuilder logs = new StringBuilder();
        for (String name : List.of("postgres", "kafka", "central", "edge1", "edge2")) {
            Path log = directory.resolve(name).resolve(name + ".log");
            try {
                List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
                logs.append("\n--- ").append(name).append(".log (last 30 lines)\n");
                lines.subList(Math.max(0, lines.size() - 30), lines.size()).forEach(l -> logs.append(l).append('\n'));
            } catch (IOException e) {
                logs.append("\n--- ").append(name).append(".log unreadable: ").append(e.getMessage());
            }
        }
        return logs.toString();
    }

    /** target/ of this build (it may be moved with -Dbuild.dir): the parent of the test classes. */
    private static Path buildDirectory() {
        try {
            Path testClasses = Path.of(LocalTopologyIT.class.getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            return Optional.ofNullable(testClasses.getParent()).orElseThrow();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
