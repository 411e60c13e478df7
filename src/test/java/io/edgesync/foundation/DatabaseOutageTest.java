package io.edgesync.foundation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** A database that stops: devices get a fast 503 with Retry-After, the logs get one line for the outage. */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class DatabaseOutageTest {

    @Test
    void whileTheDatabaseIsDownRequestsAnswer503FastAndTheOutageIsLoggedOnce() throws Exception {
        List<LogRecord> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.INFO.intValue()) {
                    logged.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger gateway = Logger.getLogger("");
        gateway.addHandler(capture);
        String device = "outage-" + UUID.randomUUID();
        InfrastructureResource.databaseProxy().cut();
        try {
            // When devices keep writing and pulling through both protocols while the database is away
            for (int round = 0; round < 10; round++) {
                String id = UUID.randomUUID().toString();
                assertUnavailable("ZUMO insert", given().header("ZUMO-API-VERSION", "2.0.0")
                        .contentType(ContentType.JSON)
                        .body("{\"id\":\"" + id + "\",\"text\":\"during the outage\"}")
                        .post("/tables/todoitem"), "error");
                assertUnavailable("Datasync read", given().header("ZUMO-API-VERSION", "3.0.0")
                        .get("/tables/todoitem/" + id), "detail");
                assertUnavailable("native push", given().contentType(ContentType.JSON)
                        .body("{\"operations\":[{\"operationId\":\"" + id + "\",\"table\":\"todoitem\","
                                + "\"kind\":\"insert\",\"id\":\"" + id + "\",\"item\":{\"text\":\"x\"}}]}")
                        .post("/sync/v1/devices/{d}/push", device), "detail");
            }
        } finally {
            InfrastructureResource.databaseProxy().restore();
        }
        try {
            // Then the outage was logged once, without a stack trace per request, and its end once
            Awaitility.await("the end of the outage logged")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> logged.stream()
                            .anyMatch(r -> r.getMessage() != null
                                    && r.getMessage().contains("can be reached again")));
            assertThat(logged.stream()
                    .filter(r -> r.getLoggerName().endsWith("DatabaseAvailability"))
                    .filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue()))
                    .hasSize(1);
            // (and after the pool's acquire timeout, 5 s, nothing more: its timers of the failed acquires fire then)
            Thread.sleep(6_000);
            assertThat(logged.stream()
                    .filter(r -> r.getLoggerName().startsWith("io.edgesync"))
                    .filter(r -> r.getThrown() != null)).isEmpty();
            assertThat(logged.stream().filter(r -> r.getLevel().intValue() >= Level.SEVERE.intValue()))
                    .extracting(r -> r.getLoggerName() + ": " + r.getMessage())
                    .isEmpty();
        } finally {
            gateway.removeHandler(capture);
        }
        // And the gateway is ready again (the tests after this one need it)
        Awaitility.await("ready again")
                .atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200));

        // And the refused requests are counted
        String metrics = given().get("/q/metrics").asString();
        assertThat(metrics).contains("# HELP edgesync_database_unavailable Requests");
        assertThat(metrics).containsPattern("edgesync_database_unavailable_total [1-9]");
    }

    @Test
    void whileTheDatabaseIsFrozenDevicesGetA503WithinTheRequestTimeoutAndLivenessStaysUp() throws Exception {
        InfrastructureResource.databaseProxy().freeze();
        try {
            // When devices write and read while the database holds every answer
            List<CompletableFuture<Response>> answers = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String id = UUID.randomUUID().toString();
                answers.add(CompletableFuture.supplyAsync(() -> given().header("ZUMO-API-VERSION", "2.0.0")
                        .contentType(ContentType.JSON)
                        .body("{\"id\":\"" + id + "\",\"text\":\"frozen\"}")
                        .post("/tables/todoitem")));
                answers.add(CompletableFuture.supplyAsync(() -> given().get("/sync/v1/devices/{d}/pull?table=todoitem",
                        "frozen-" + id)));
            }

            // Then each gets a 503 with Retry-After once the request timeout (10 s) has passed, not when the database
            // comes back
            for (CompletableFuture<Response> answer : answers) {
                Response response = answer.get(30, TimeUnit.SECONDS);
                assertThat(response.statusCode()).as(response.asString()).isEqualTo(503);
                assertThat(response.getHeader("Retry-After")).isNotBlank();
                assertThat(response.time()).isLessThan(15_000L);
            }
            // And the process is alive, and says it is not ready within a probe's timeout
            assertThat(given().get("/q/health/live").statusCode()).isEqualTo(200);
            Response ready = given().get("/q/health/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.time()).isLessThan(10_000L);
        } finally {
            InfrastructureResource.databaseProxy().thaw();
        }
        Awaitility.await("ready again")
                .atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200));
    }

    private static void assertUnavailable(String attempt, Response answer, String messageMember) {
        assertThat(answer.statusCode()).as(attempt + ": " + answer.asString()).isEqualTo(503);
        assertThat(answer.getHeader("Retry-After")).as(attempt).isNotBlank();
        assertThat(answer.jsonPath().getString(messageMember)).as(attempt).contains("database");
        assertThat(answer.time()).as(attempt + " answered in ms").isLessThan(10_000L);
    }
}
