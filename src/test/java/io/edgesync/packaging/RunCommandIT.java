package io.edgesync.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgesync.embedded.Ports;
import io.restassured.http.ContentType;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * The packaged application started the way the README says (java -jar, embedded default): it becomes ready within 60
 * seconds, and what it stored survives a clean stop and a SIGKILL.
 */
class RunCommandIT {

    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    @TempDir
    Path work;

    private int httpPort;
    private Process process;

    @BeforeEach
    void requirePackagedJar() {
        assertThat(JAR).as("packaged application (run mvnw package first)").exists();
        httpPort = Ports.freePort();
    }

    @AfterEach
    void stopProcess() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void embeddedDefaultBecomesReadyAndKeepsDataAcrossCleanAndUncleanRestarts() throws Exception {
        Path dataDir = work.resolve("data");
        int postgresPort = Ports.freePortOtherThan(httpPort);
        int kafkaPort = Ports.freePortOtherThan(httpPort, postgresPort);

        // Given the gateway started with nothing configured but its data directory and ports
        Path firstLog = start(dataDir, postgresPort, kafkaPort, "first.log");
        String banner = Files.readString(firstLog, StandardCharsets.UTF_8);
        assertThat(banner).contains("EdgeSync ready: role=all")
                .contains("embedded PostgreSQL at 127.0.0.1:" + postgresPort)
                .contains("embedded Kafka (KRaft) at 127.0.0.1:" + kafkaPort);

        // And the local default serves the sample table of the offline-sync article and creates others on demand
        given().port(httpPort)
                .header("ZUMO-API-VERSION", "2.0.0")
                .when()
                .get("/tables/TodoItem")
                .then()
                .statusCode(200);
        given().port(httpPort)
                .header("ZUMO-API-VERSION", "2.0.0")
                .when()
                .get("/tables/anything")
                .then()
                .statusCode(200);
        assertThat(banner).containsPattern("Profiles (local,prod|prod,local) activated");

        // When a device registers
        String firstSeen = given().port(httpPort)
                .contentType(ContentType.JSON)
                .body("{\"clientVersion\":\"it/1\"}")
                .when()
                .put("/sync/v1/devices/it-device")
                .then()
                .statusCode(200)
                .extract()
                .path("firstSeen");

        // And the gateway stops cleanly (SIGTERM)
        process.destroy();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("clean stop within 30 s").isTrue();
        assertThat(dataDir.resolve("postgres").resolve("postmaster.pid")).as("PostgreSQL stopped too").doesNotExist();
        // And nothing in a normal start and clean stop was a warning or an error
        assertThat(warningsAndErrors(firstLog)).as("first start and clean stop").isEmpty();

        // Then after a restart the device is still there, and the restart warned of nothing either
        Path secondLog = start(dataDir, postgresPort, kafkaPort, "second.log");
        assertThat(warningsAndErrors(secondLog)).as("restart with data").isEmpty();
        given().port(httpPort)
                .when()
                .get("/sync/v1/devices/it-device")
                .then()
                .statusCode(200)
                .body("firstSeen", equalTo(firstSeen));

        // And after a SIGKILL (PostgreSQL orphaned, Kafka unclean) and another restart as well
        process.destroyForcibly();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        start(dataDir, postgresPort, kafkaPort, "third.log");
        given().port(httpPort)
                .when()
                .get("/sync/v1/devices/it-device")
                .then()
                .statusCode(200)
                .body("clientVersion", equalTo("it/1"));
    }

    @Test
    void aTakenHttpPortStopsTheStartWithOneClearLineBeforeAnythingStarts() throws Exception {
        Path dataDir = work.resolve("data");
        try (java.net.ServerSocket taken = new java.net.ServerSocket(httpPort)) {
            // When the gateway starts on a port another process listens on
            Path log = work.resolve("taken.log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            process = new ProcessBuilder(List.of(java, "-Dquarkus.http.port=" + taken.getLocalPort(),
                    "-Dedgesync.embedded.data-dir=" + dataDir, "-jar", JAR.toAbsolutePath().toString()))
                    .directory(work.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();

            // Then it exits at once, saying why and what to do, and started no server
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exits within 30 s").isTrue();
            assertThat(process.exitValue()).isEqualTo(1);
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(output.strip()).isEqualTo("EdgeSync cannot start: port " + httpPort + " is in use by another"
                    + " process. Stop it, or choose another port: -Dquarkus.http.port=<port> (QUARKUS_HTTP_PORT=<port>).");
            assertThat(dataDir).doesNotExist();
        }
    }

    @Test
    void aConflictPolicyThatDoesNotExistStopsTheStartNamingTheTableAndThePolicy() throws Exception {
        // When a table's conflict policy is misspelt
        Path log = work.resolve("policy.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(List.of(java, "-Dquarkus.http.port=" + httpPort,
                "-Dedgesync.embedded.data-dir=" + work.resolve("data"), "-Dedgesync.embedded.postgres.port=0",
                "-Dedgesync.embedded.kafka.port=0", "-Dedgesync.tables.declared.orders.conflict-policy=serverwins",
                "-jar", JAR.toAbsolutePath().toString()))
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();

        // Then the gateway does not start (instead of failing every conflict of the table with a 500), and says why
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exits (log %s)", log).isTrue();
        assertThat(process.exitValue()).isNotZero();
        assertThat(Files.readString(log, StandardCharsets.UTF_8)).contains("Conflict policy of table orders"
                + " (edgesync.tables.declared.orders.conflict-policy=serverwins): unknown policy 'serverwins'");
    }

    private static List<String> warningsAndErrors(Path log) throws IOException {
        return Files.readAllLines(log, StandardCharsets.UTF_8)
                .stream()
                .filter(line -> line.matches("^\\S+ (WARN|ERROR) .*"))
                .toList();
    }

    private Path start(Path dataDir, int postgresPort, int kafkaPort, String logName) throws IOException {
        Path log = work.resolve(logName);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(List.of(java,
                "-Xmx512m",
                "-Dquarkus.http.port=" + httpPort,
                "-Dedgesync.embedded.data-dir=" + dataDir,
                "-Dedgesync.embedded.postgres.port=" + postgresPort,
                "-Dedgesync.embedded.kafka.port=" + kafkaPort,
                "-jar", JAR.toAbsolutePath().toString()))
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Readiness.await(process.toHandle(), httpPort, Duration.ofSeconds(60), log);
        return log;
    }
}
