package io.edgesync.foundation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.LogCapture;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A database that stops or freezes: devices get a 503 with Retry-After (fast, or within the request timeout), the logs
 * get one line for the outage, and under load every write that devices retry is applied exactly once.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class DatabaseOutageTest {

    @Test
    void whileTheDatabaseIsDownRequestsAnswer503FastAndTheOutageIsLoggedOnce() throws Exception {
        LogCapture capture = LogCapture.start();
        List<LogRecord> logged = capture.records();
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
            capture.close();
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

    /**
     * Devices keep writing while the database stops, comes back, freezes and thaws, and retry what was refused, as the
     * clients do. Every write ends up applied exactly once: nothing acknowledged is lost, nothing retried is applied
     * twice, nothing is half-written.
     */
    @Test
    void underLoadAStoppedAndAFrozenDatabaseLoseNoWriteAndApplyNoneTwice() throws Exception {
        String table = "outageload";
        String run = UUID.randomUUID().toString().substring(0, 8);
        AtomicBoolean writing = new AtomicBoolean(true);
        List<String> ids = new CopyOnWriteArrayList<>();
        AtomicInteger refused = new AtomicInteger();
        List<CompletableFuture<Integer>> writers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            String device = "load-" + run + "-" + w;
            boolean nativeApi = w % 2 == 0;
            writers.add(CompletableFuture.supplyAsync(() -> {
                int batches = 0;
                while (writing.get()) {
                    List<String> batch = new ArrayList<>();
                    for (int i = 0; i < 5; i++) {
                        batch.add(device + "-" + batches + "-" + i);
                    }
                    if (nativeApi) {
                        pushUntilAcknowledged(device, table, batch, refused);
                    } else {
                        batch.forEach(id -> insertUntilAcknowledged(device, table, id, refused));
                    }
                    ids.addAll(batch);
                    batches++;
                }
                return batches;
            }));
        }

        // When the database stops for 3 s, then freezes for 3 s, while they write
        Thread.sleep(1_500);
        InfrastructureResource.databaseProxy().cut();
        Thread.sleep(3_000);
        InfrastructureResource.databaseProxy().restore();
        Thread.sleep(1_500);
        InfrastructureResource.databaseProxy().freeze();
        Thread.sleep(3_000);
        InfrastructureResource.databaseProxy().thaw();
        Thread.sleep(1_500);
        writing.set(false);
        for (CompletableFuture<Integer> writer : writers) {
            assertThat(writer.get(2, TimeUnit.MINUTES)).as("batches of a writer").isPositive();
        }

        // Then the outage was felt (writes were refused and retried) and every write is there exactly once
        assertThat(refused.get()).as("writes refused with 503 and retried").isPositive();
        List<String> stored = new ArrayList<>();
        while (true) {
            // (pages as the server cuts them: a $top above its page size gets one page and a Link header)
            Response page = given().header("ZUMO-API-VERSION", "2.0.0")
                    .queryParam("$filter", "startswith(id,'load-" + run + "')")
                    .queryParam("$orderby", "id")
                    .queryParam("$top", "1000")
                    .queryParam("$skip", stored.size())
                    .get("/tables/" + table);
            assertThat(page.statusCode()).as(page.asString()).isEqualTo(200);
            List<Map<String, Object>> rows = page.jsonPath().getList("$");
            if (rows.isEmpty()) {
                break;
            }
            for (Map<String, Object> row : rows) {
                assertThat(row.get("text")).as("row %s complete", row.get("id")).isEqualTo(row.get("id"));
                stored.add((String) row.get("id"));
            }
        }
        assertThat(ids).doesNotHaveDuplicates();
        assertThat(stored).containsExactlyInAnyOrderElementsOf(ids);
        // And every device's queue has each operation once. A native retry is the same operation (its operationId):
        // one entry. A ZUMO retry is a new request (the protocol has no operation id): when the refused attempt had
        // committed, the retry is a second entry, an insert the server answered 409, and only one entry is applied.
        for (int w = 0; w < 4; w++) {
            String device = "load-" + run + "-" + w;
            List<Map<String, Object>> entries = queueOf(device);
            List<Object> applied = entries.stream()
                    .filter(entry -> "applied".equals(entry.get("status")))
                    .map(entry -> entry.get("recordId"))
                    .toList();
            assertThat(applied).as("applied operations of %s", device)
                    .doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(ids.stream()
                            .filter(id -> id.startsWith(device + "-"))
                            .toList());
            if (w % 2 == 0) {
                assertThat(entries).as("queue of %s", device).hasSameSizeAs(applied);
            } else {
                assertThat(entries).as("queue of %s", device)
                        .allMatch(entry -> "applied".equals(entry.get("status"))
                                || ("conflict".equals(entry.get("status")) && applied.contains(entry.get("recordId"))));
            }
        }
    }

    /** A device's whole queue, page by page. */
    private static List<Map<String, Object>> queueOf(String device) {
        List<Map<String, Object>> entries = new ArrayList<>();
        String after = null;
        do {
            Response page = given().queryParam("limit", "1000")
                    .queryParams(after == null ? Map.of() : Map.of("after", after))
                    .get("/admin/devices/{d}/operations", device);
            assertThat(page.statusCode()).as(page.asString()).isEqualTo(200);
            entries.addAll(page.jsonPath().getList("items"));
            after = page.jsonPath().getBoolean("hasMore") ? page.jsonPath().getString("next") : null;
        } while (after != null);
        return entries;
    }

    /** A native push retried as a device does until it is answered: a replay answers with the stored results. */
    private static void pushUntilAcknowledged(String device, String table, List<String> ids, AtomicInteger refused) {
        StringBuilder operations = new StringBuilder();
        for (String id : ids) {
            operations.append(operations.length() == 0 ? "" : ",")
                    .append("{\"operationId\":\"")
                    .append(id)
                    .append("\",\"table\":\"")
                    .append(table)
                    .append("\",\"kind\":\"insert\",\"id\":\"")
                    .append(id)
                    .append("\",\"item\":{\"text\":\"")
                    .append(id)
                    .append("\"}}");
        }
        String body = "{\"operations\":[" + operations + "]}";
        while (true) {
            Response answer = given().contentType(ContentType.JSON)
                    .body(body)
                    .post("/sync/v1/devices/{d}/push", device);
            if (answer.statusCode() == 200) {
                assertThat(answer.jsonPath().getList("results.status", String.class)).as(answer.asString())
                        .containsOnly("applied")
                        .hasSize(ids.size());
                return;
            }
            assertUnavailable("native push", answer, "detail");
            refused.incrementAndGet();
            pause();
        }
    }

    /**
     * A ZUMO insert retried until answered. A 409 after a refused attempt means that attempt committed (the gateway
     * could not say so): the row must then be exactly the one sent, which the test checks at the end.
     */
    private static void insertUntilAcknowledged(String device, String table, String id, AtomicInteger refused) {
        boolean retried = false;
        while (true) {
            Response answer = given().header("ZUMO-API-VERSION", "2.0.0")
                    .header("X-ZUMO-INSTALLATION-ID", device)
                    .contentType(ContentType.JSON)
                    .body("{\"id\":\"" + id + "\",\"text\":\"" + id + "\"}")
                    .post("/tables/" + table);
            if (answer.statusCode() == 201 || (retried && answer.statusCode() == 409)) {
                // (the final check finds the row, exactly as sent)
                return;
            }
            assertUnavailable("ZUMO insert", answer, "error");
            refused.incrementAndGet();
            retried = true;
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void assertUnavailable(String attempt, Response answer, String messageMember) {
        assertThat(answer.statusCode()).as(attempt + ": " + answer.asString()).isEqualTo(503);
        assertThat(answer.getHeader("Retry-After")).as(attempt).isNotBlank();
        assertThat(answer.jsonPath().getString(messageMember)).as(attempt).contains("database");
        assertThat(answer.time()).as(attempt + " answered in ms").isLessThan(10_000L);
    }
}
