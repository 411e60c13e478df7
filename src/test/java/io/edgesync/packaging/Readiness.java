package io.edgesync.packaging;

import java.nio.file.Path;
import java.time.Duration;

import org.awaitility.Awaitility;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

/** Waiting for a gateway process started as a user starts it. */
final class Readiness {

    private Readiness() {
    }

    /**
     * Waits until the gateway on {@code httpPort} answers its readiness probe with UP; fails at once when
     * {@code process} exits first, naming the log to read.
     */
    static void await(ProcessHandle process, int httpPort, Duration atMost, Path log) {
        Awaitility.await("ready within " + atMost.toSeconds() + " s (log " + log + ")")
                .atMost(atMost)
                .pollInterval(Duration.ofMillis(500))
                .failFast("the process exited (log " + log + ")", () -> !process.isAlive())
                .ignoreExceptions()
                .untilAsserted(() -> given().port(httpPort)
                        .when()
                        .get("/q/health/ready")
                        .then()
                        .statusCode(200)
                        .body("status", equalTo("UP")));
    }
}
