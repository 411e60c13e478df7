package io.edgesync.notify;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

@QuarkusTest
@WithTestResource(InfrastructureResource.class)
@TestProfile(ChangeNotificationTest.LongestWindow.class)
class ChangeNotificationTest {

    /**
     * The coalescing window of a gateway with many streams open (100 ms) for this test's few: at 10 announcements per
     * second, one stream already takes the longest window.
     */
    public static class LongestWindow implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("edgesync.notifications.deliveries-per-second", "10");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);
    /** Longer than the coalescing window (100 ms): announcements of earlier writes have gone out by then. */
    private static final Duration SETTLE = Duration.ofMillis(300);

    @TestHTTPResource("/sync/v1/devices/")
    URI devices;

    @Test
    void changeOfAFollowedTableArrivesWithinOneSecond() throws Exception {
        // Given a device that follows a table (named in another case than written)
        String table = newTable();
        writeRow(table);
        try (EventStreamClient stream = openStream("device-" + UUID.randomUUID(), table.toUpperCase(Locale.ROOT))) {
            assertThat(stream.status(READY_TIMEOUT)).isEqualTo(200);
            awaitReady(stream);
            settle(stream);

            // When a row of it is written
            Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            long start = System.nanoTime();
            writeRow(table);

            // Then the change is announced within one second of the write
            EventStreamClient.Event change = stream
                    .awaitEvent(changeOf(table, before), Duration.ofSeconds(2))
                    .orElseThrow(() -> new AssertionError("no change event for " + table));
            assertThat(Duration.ofNanos(change.receivedNanos() - start)).isLessThan(Duration.ofSeconds(1));
            JsonNode data = JSON.readTree(change.data());
            assertThat(data.get("table").asText()).isEqualTo(table);
            assertThat(Instant.parse(data.get("at").asText())).isAfterOrEqualTo(before);
        }
    }

    @Test
    void changeOfATableTheDeviceDoesNotFollowProducesNoEvent() throws Exception {
        // Given a device that follows one of two tables
        String followed = newTable();
        String other = newTable();
        writeRow(followed);
        writeRow(other);
        try (EventStreamClient stream = openStream("device-" + UUID.randomUUID(), followed)) {
            awaitReady(stream);
            settle(stream);

            // When the other table changes, then the followed one
            Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            writeRow(other);
            writeRow(followed);

            // Then the first change event is the followed table's, and none names the other table
            EventStreamClient.Event first = stream
                    .awaitEvent(event -> event.name().equals("change"), Duration.ofSeconds(2))
                    .orElseThrow(() -> new AssertionError("no change event"));
            assertThat(tableOf(first)).isEqualTo(followed);
            assertThat(stream.collectUntilQuiet(SETTLE)).noneMatch(event -> other.equals(tableOf(event)));
            assertThat(atOf(first)).isAfterOrEqualTo(before);
        }
    }

    @Test
    void streamWithoutTablesFollowsEveryTable() throws Exception {
        // Given a device that names no tables
        String table = newTable();
        try (EventStreamClient stream = openStream("device-" + UUID.randomUUID(), null)) {
            EventStreamClient.Event ready = awaitReady(stream);
            assertThat(JSON.readTree(ready.data()).get("allTables").asBoolean()).isTrue();

            // When a table that did not exist yet is written
            Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            writeRow(table);

            // Then its change is announced
            assertThat(stream.awaitEvent(changeOf(table, before), Duration.ofSeconds(2))).isPresent();
        }
    }

    @Test
    void burstOfTwentyWritesIsAnnouncedFarFewerTimesAndItsLastWriteIsAnnounced() throws Exception {
        // Given a device that follows a table
        String table = newTable();
        writeRow(table);
        try (EventStreamClient stream = openStream("device-" + UUID.randomUUID(), table)) {
            awaitReady(stream);
            settle(stream);

            // When 20 rows are written in a burst, concurrently
            Instant burstStart = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            writeRowsConcurrently(table, 20);
            Duration burst = Duration.between(burstStart, Instant.now());

            // Then there are far fewer change events, at least a coalescing window apart, the last after the burst began
            List<Instant> changes = stream.collectUntilQuiet(Duration.ofSeconds(1))
                    .stream()
                    .filter(event -> event.name().equals("change"))
                    .map(ChangeNotificationTest::atOf)
                    .toList();
            assertThat(changes).as("announcements of a burst that took %s", burst)
                    .isNotEmpty()
                    .hasSizeLessThanOrEqualTo(10);
            for (int i = 1; i < changes.size(); i++) {
                // 100 ms window; a millisecond lost to truncating both instants
                assertThat(Duration.between(changes.get(i - 1), changes.get(i)))
                        .isGreaterThanOrEqualTo(Duration.ofMillis(99));
            }
            assertThat(changes.get(0)).isAfterOrEqualTo(burstStart);
        }
    }

    @Test
    void closingTheStreamDecrementsTheConnectionsGauge() throws Exception {
        // Given no stream of this test open
        double before = metric("edgesync_sse_connections");

        // When a device opens a stream
        EventStreamClient stream = openStream("device-" + UUID.randomUUID(), null);
        awaitReady(stream);

        // Then it is counted, and no longer once the device closes it
        Awaitility.await()
                .atMost(5, TimeUnit.SECONDS)
                .untilAsserted(() -> assertThat(metric("edgesync_sse_connections")).isEqualTo(before + 1));
        stream.close();
        Awaitility.await()
                .atMost(10, TimeUnit.SECONDS)
                .untilAsserted(() -> assertThat(metric("edgesync_sse_connections")).isEqualTo(before));
        assertThat(metric("edgesync_sse_events_sent_total", "event=\"ready\"")).isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void invalidDeviceIdIsABadRequestInProblemJson() {
        given().header("Accept", "text/event-stream")
                .when()
                .get("/sync/v1/devices/-not-a-device/events")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("status", org.hamcrest.Matchers.equalTo(400))
                .body("detail", org.hamcrest.Matchers.equalTo("Invalid device id"));
    }

    @Test
    void missingOrInvalidTableNamesAreABadRequestInProblemJson() throws Exception {
        for (String query : List.of("tables", "tables=", "tables=a,,b", "tables=1abc", "tables=bad%20name",
                "tables=a&tables=")) {
            // a stream that opens by mistake must not hang the test: look at the status only
            try (EventStreamClient stream = EventStreamClient.open(devices.resolve("device-1/events?" + query))) {
                assertThat(stream.status(READY_TIMEOUT)).as(query).isEqualTo(400);
            }
            Response response = given().urlEncodingEnabled(false)
                    .header("Accept", "text/event-stream")
                    .when()
                    .get("/sync/v1/devices/device-1/events?" + query);
            assertThat(response.contentType()).as(query).startsWith("application/problem+json");
            assertThat(response.jsonPath().getInt("status")).isEqualTo(400);
            assertThat(response.asString()).doesNotContain("Exception");
        }
    }

    @Test
    void listenerReconnectsAfterTheDatabaseConnectionIsCutAndChangesAreAnnouncedAgain() throws Exception {
        // Given a device that follows an existing table
        String table = newTable();
        writeRow(table);
        try (EventStreamClient stream = openStream("device-" + UUID.randomUUID(), table)) {
            awaitReady(stream);
            Awaitility.await()
                    .atMost(10, TimeUnit.SECONDS)
                    .untilAsserted(() -> assertThat(metric("edgesync_notify_listener_connected")).isEqualTo(1.0));
            settle(stream);

            // When the database connection is cut, and comes back
            InfrastructureResource.databaseProxy().cut();
            try {
                Awaitility.await()
                        .atMost(10, TimeUnit.SECONDS)
                        .untilAsserted(
                                () -> assertThat(metric("edgesync_notify_listener_connected")).isEqualTo(0.0));
            } finally {
                InfrastructureResource.databaseProxy().restore();
            }

            // Then the listener listens again and announces the table once, since changes may have gone unheard
            Awaitility.await()
                    .atMost(15, TimeUnit.SECONDS)
                    .untilAsserted(() -> assertThat(metric("edgesync_notify_listener_connected")).isEqualTo(1.0));
            assertThat(stream.awaitEvent(changeOf(table, Instant.EPOCH), Duration.ofSeconds(10))).isPresent();
            assertThat(stream.ended()).isFalse();

            // And a new write is announced within a few seconds
            settle(stream);
            Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            long start = writeRowOnceTheDatabaseAnswers(table);
            EventStreamClient.Event change = stream
                    .awaitEvent(changeOf(table, before), Duration.ofSeconds(5))
                    .orElseThrow(() -> new AssertionError("no change event after the reconnect"));
            assertThat(Duration.ofNanos(change.receivedNanos() - start)).isLessThan(Duration.ofSeconds(3));
        }
    }

    // ---- helpers

    private EventStreamClient openStream(String deviceId, String tables) {
        String query = tables == null ? "" : "?tables=" + tables;
        return EventStreamClient.open(devices.resolve(deviceId + "/events" + query));
    }

    private static EventStreamClient.Event awaitReady(EventStreamClient stream) throws InterruptedException {
        return stream.awaitEvent(event -> event.name().equals("ready"), READY_TIMEOUT)
                .orElseThrow(() -> new AssertionError("the stream did not become ready"));
    }

    /** Lets announcements of earlier writes go out, then forgets them. */
    private static void settle(EventStreamClient stream) throws InterruptedException {
        Thread.sleep(SETTLE.toMillis());
        stream.drain();
    }

    private static String newTable() {
        return "notify_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private static void writeRow(String table) {
        given().header("ZUMO-API-VERSION", "2.0.0")
                .contentType(ContentType.JSON)
                .body(Map.of("id", UUID.randomUUID().toString(), "text", "a"))
                .when()
                .post("/tables/" + table)
                .then()
                .statusCode(201);
    }

    private static void writeRowsConcurrently(String table, int rows) throws Exception {
        ExecutorService writers = Executors.newFixedThreadPool(rows);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> writes = new ArrayList<>();
            for (int i = 0; i < rows; i++) {
                writes.add(writers.submit(() -> {
                    go.await();
                    writeRow(table);
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> write : writes) {
                write.get(30, TimeUnit.SECONDS);
            }
        } finally {
            writers.shutdownNow();
        }
    }

    /**
     * Writes a row, retrying while the pool recovers from the cut; returns {@link System#nanoTime()} before the write.
     */
    private static long writeRowOnceTheDatabaseAnswers(String table) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            long start = System.nanoTime();
            int status = given().header("ZUMO-API-VERSION", "2.0.0")
                    .contentType(ContentType.JSON)
                    .body(Map.of("id", UUID.randomUUID().toString(), "text", "a"))
                    .when()
                    .post("/tables/" + table)
                    .statusCode();
            if (status == 201) {
                return start;
            }
            assertThat(System.nanoTime()).as("the database answers writes again").isLessThan(deadline);
        }
    }

    private static java.util.function.Predicate<EventStreamClient.Event> changeOf(String table, Instant notBefore) {
        return event -> event.name().equals("change")
                && table.equals(tableOf(event))
                && !atOf(event).isBefore(notBefore);
    }

    private static String tableOf(EventStreamClient.Event event) {
        return json(event).map(data -> data.path("table").asText(null)).orElse(null);
    }

    private static Instant atOf(EventStreamClient.Event event) {
        return json(event).map(data -> Instant.parse(data.get("at").asText())).orElseThrow();
    }

    private static Optional<JsonNode> json(EventStreamClient.Event event) {
        try {
            return Optional.of(JSON.readTree(event.data()));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    /** A meter's value in the Prometheus scrape; with a label filter, the sample whose labels contain it. */
    private static double metric(String name, String... labels) {
        String scrape = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher sample = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$").matcher(scrape);
        while (sample.find()) {
            String sampleLabels = sample.group(1) == null ? "" : sample.group(1);
            boolean matches = true;
            for (String label : labels) {
                matches &= sampleLabels.contains(label);
            }
            if (matches) {
                return Double.parseDouble(sample.group(2));
            }
        }
        throw new AssertionError("no sample of " + name + " in /q/metrics");
    }
}
