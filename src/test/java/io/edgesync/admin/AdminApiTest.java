package io.edgesync.admin;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.NativePush;
import io.edgesync.testsupport.TestInfrastructure;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;

import static io.edgesync.testsupport.NativePush.ops;
import static io.edgesync.testsupport.NativePush.push;
import static io.edgesync.testsupport.ZumoRequests.insertThroughZumo;
import static io.edgesync.testsupport.ZumoRequests.zumo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

/** The admin API: devices with replica state and queue depth, queues, retry and discard, conflicts, forgetting. */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class AdminApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    QueueMetrics queueMetrics;

    @Test
    void deviceListShowsAZumoDeviceWithItsReplicaAndQueueDepth() throws Exception {
        // Given a ZUMO client that inserted, lost a conflict and pulled incrementally
        String installation = "admin-" + UUID.randomUUID();
        String table = uniqueTable();
        String version = insertThroughZumo(installation, table, "z1", "first");
        zumo(installation).header("If-Match", "\"" + version + "\"")
                .body("{\"id\":\"z1\",\"text\":\"second\"}")
                .patch("/tables/" + table + "/z1")
                .then()
                .statusCode(200);
        zumo(installation).header("If-Match", "\"" + version + "\"")
                .body("{\"id\":\"z1\",\"text\":\"stale\"}")
                .patch("/tables/" + table + "/z1")
                .then()
                .statusCode(412);
        given().urlEncodingEnabled(false)
                .header("ZUMO-API-VERSION", "2.0.0")
                .header("X-ZUMO-INSTALLATION-ID", installation)
                .get("/tables/" + table + "?$filter=(updatedAt%20ge%20datetimeoffset'1969-12-31T00:00:00.000Z')"
                        + "&$orderby=updatedAt&$top=50&__includeDeleted=true")
                .then()
                .statusCode(200);

        // When an administrator lists the devices (from just before this one)
        // Then the device is there with its protocol, its queue depth and the watermark it pulled to
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode page = getJson(given().queryParam("after", installation.substring(0, installation.length() - 1))
                    .queryParam("limit", 10), "/admin/devices");
            JsonNode device = findById(page.get("items"), installation);
            assertThat(device).as("device %s in the list", installation).isNotNull();
            assertThat(device.get("protocol").asText()).startsWith("zumo");
            assertThat(device.get("firstSeen").isNull()).isFalse();
            assertThat(device.get("lastSeen").isNull()).isFalse();
            assertThat(device.at("/queue/total").asLong()).isEqualTo(3);
            assertThat(device.at("/queue/parked").asLong()).isZero();
            assertThat(device.at("/queue/byStatus/applied").asLong()).isEqualTo(2);
            assertThat(device.at("/queue/byStatus/conflict").asLong()).isEqualTo(1);
            JsonNode replicas = device.get("replicas");
            assertThat(replicas).hasSize(1);
            assertThat(replicas.at("/0/table").asText()).isEqualTo(table);
            assertThat(replicas.at("/0/queryId").asText()).isEqualTo("(updatedAt ge ?)");
            assertThat(replicas.at("/0/watermark").isNull()).isFalse();
            assertThat(replicas.at("/0/lastPull").isNull()).isFalse();
        });
    }

    @Test
    void devicesArePagedByIdWithACursor() throws Exception {
        // Given three devices whose ids share a prefix
        String prefix = "admin-" + UUID.randomUUID() + "-";
        for (String suffix : List.of("a", "b", "c")) {
            push(prefix + suffix, ops(op("op-1", "todoitem", "insert", UUID.randomUUID().toString(), "x", null)));
        }

        // When the first page of two starts just before them
        JsonNode first = getJson(given().queryParam("after", prefix).queryParam("limit", 2), "/admin/devices");

        // Then it holds the first two, and its cursor leads to the third
        assertThat(ids(first.get("items"))).containsExactly(prefix + "a", prefix + "b");
        assertThat(first.get("hasMore").asBoolean()).isTrue();
        assertThat(first.get("next").asText()).isEqualTo(prefix + "b");
        JsonNode second = getJson(given().queryParam("after", first.get("next").asText()).queryParam("limit", 2),
                "/admin/devices");
        assertThat(ids(second.get("items")).get(0)).isEqualTo(prefix + "c");
    }

    @Test
    void oneDeviceIsShownAndAnUnknownDeviceIsAProblem404() throws Exception {
        // Given a native device with one parked operation
        String device = device();
        push(device, ops(op("op-1", "todoitem", "update", "missing-" + UUID.randomUUID(), "x", null)));

        // When an administrator asks for it, and for a device never seen
        JsonNode shown = getJson(given(), "/admin/devices/" + device);

        // Then the device shows its queue depth, and the unknown one is a problem
        assertThat(shown.get("id").asText()).isEqualTo(device);
        assertThat(shown.get("protocol").asText()).isEqualTo("native");
        assertThat(shown.at("/queue/parked").asLong()).isEqualTo(1);
        assertThat(shown.at("/queue/total").asLong()).isEqualTo(1);
        assertThat(shown.get("replicas")).isEmpty();
        given().get("/admin/devices/{id}", device())
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
        given().get("/admin/devices/{id}/operations", device())
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    void invalidParametersAreProblems400() {
        given().queryParam("limit", 1001)
                .get("/admin/devices")
                .then()
                .statusCode(400)
                .contentType("application/problem+json");
        given().queryParam("limit", 0).get("/admin/conflicts").then().statusCode(400);
        given().queryParam("status", "lost").get("/admin/devices/{id}/operations", device()).then().statusCode(400);
        given().queryParam("after", "x").get("/admin/devices/{id}/operations", device()).then().statusCode(400);
        given().queryParam("source", "moon").get("/admin/conflicts").then().statusCode(400);
        given().get("/admin/devices/{id}", "bad id!").then().statusCode(400);
    }

    @Test
    void operationsAreListedInTheDevicesOrderAndFilteredByStatus() throws Exception {
        // Given a device whose batch was applied, parked and applied, then a conflict
        String device = device();
        String id = UUID.randomUUID().toString();
        JsonNode inserted = push(device, ops(
                op("op-1", "todoitem", "insert", id, "one", null),
                op("op-2", "todoitem", "update", "missing-" + UUID.randomUUID(), "two", null),
                op("op-3", "todoitem", "update", id, "three", null)));
        String staleVersion = inserted.at("/results/0/record/version").asText();
        push(device, ops(op("op-4", "todoitem", "update", id, "four", staleVersion)));

        // When an administrator lists the whole queue
        JsonNode all = getJson(given(), "/admin/devices/" + device + "/operations");

        // Then it is in the device's order, with what was sent and what became of it
        JsonNode items = all.get("items");
        assertThat(strings(items, "operationId")).containsExactly("op-1", "op-2", "op-3", "op-4");
        assertThat(strings(items, "status")).containsExactly("applied", "parked", "applied", "conflict");
        assertThat(items.get(0).get("seq").asLong()).isLessThan(items.get(1).get("seq").asLong());
        assertThat(items.at("/0/item/text").asText()).isEqualTo("one");
        assertThat(items.at("/0/resultVersion").asText()).isNotEmpty();
        assertThat(items.at("/1/error").asText()).contains("does not exist");
        assertThat(items.at("/1/result/status").asText()).isEqualTo("parked");
        assertThat(items.at("/1/resolvedAt").isNull()).isTrue();
        assertThat(items.at("/3/baseVersion").asText()).isEqualTo(staleVersion);
        assertThat(all.get("hasMore").asBoolean()).isFalse();

        // And filters by status, one or several
        JsonNode parked = getJson(given().queryParam("status", "parked"), "/admin/devices/" + device + "/operations");
        assertThat(strings(parked.get("items"), "operationId")).containsExactly("op-2");
        JsonNode settled = getJson(given().queryParam("status", "applied,conflict"),
                "/admin/devices/" + device + "/operations");
        assertThat(strings(settled.get("items"), "operationId")).containsExactly("op-1", "op-3", "op-4");

        // And pages with the position cursor
        JsonNode firstPage = getJson(given().queryParam("limit", 3), "/admin/devices/" + device + "/operations");
        assertThat(strings(firstPage.get("items"), "operationId")).containsExactly("op-1", "op-2", "op-3");
        assertThat(firstPage.get("hasMore").asBoolean()).isTrue();
        JsonNode secondPage = getJson(
                given().queryParam("limit", 3).queryParam("after", firstPage.get("next").asText()),
                "/admin/devices/" + device + "/operations");
        assertThat(strings(secondPage.get("items"), "operationId")).containsExactly("op-4");
        assertThat(secondPage.get("hasMore").asBoolean()).isFalse();
        assertThat(secondPage.get("next").isNull()).isTrue();
    }

    @Test
    void discardMarksAParkedOperationDiscardedOnce() throws Exception {
        // Given a device with a parked operation
        String device = device();
        push(device, ops(op("op-1", "todoitem", "update", "missing-" + UUID.randomUUID(), "x", null)));
        long seq = parkedSeqs(device).get(0);

        // When an administrator discards it
        JsonNode discarded = given().post("/admin/devices/{id}/operations/{seq}/discard", device, seq)
                .then()
                .statusCode(200)
                .extract()
                .as(JsonNode.class);

        // Then it stays in the queue as discarded and resolved, and nothing is parked any more
        assertThat(discarded.get("status").asText()).isEqualTo("discarded");
        assertThat(discarded.get("resolvedAt").isNull()).isFalse();
        assertThat(discarded.at("/item/text").asText()).isEqualTo("x");
        assertThat(parkedSeqs(device)).isEmpty();
        assertThat(getJson(given(), "/admin/devices/" + device).at("/queue/byStatus/discarded").asLong()).isEqualTo(1);

        // And the device re-sending the operation learns it was discarded, not that it is still parked
        JsonNode replay = push(device, ops(op("op-1", "todoitem", "update", "missing-x", "x", null)));
        assertThat(replay.at("/results/0/status").asText()).as(replay.toString()).isEqualTo("discarded");
        assertThat(replay.at("/results/0/replayed").asBoolean()).isTrue();

        // And discarding it again, or a position that was never parked, is a problem 404
        given().post("/admin/devices/{id}/operations/{seq}/discard", device, seq)
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
        given().post("/admin/devices/{id}/operations/{seq}/discard", device, seq + 100).then().statusCode(404);
    }

    @Test
    void retryOnAStopOnConflictTableKeepsTheDevicesOrder() throws Exception {
        // Given a device whose update on a stop-on-conflict table is parked (its record does not exist), and a later
        // insert on that table parked behind it
        String device = device();
        String missing = "missing-" + UUID.randomUUID();
        String later = "later-" + UUID.randomUUID();
        push(device, ops(op("op-1", "cp_stop", "update", missing, "first", null),
                op("op-2", "cp_stop", "insert", later, "second", null)));
        List<Long> parked = parkedSeqs(device);
        assertThat(parked).hasSize(2);

        // When an administrator retries the later one first, it is refused, saying which to retry first
        given().post("/admin/devices/{id}/operations/{seq}/retry", device, parked.get(1))
                .then()
                .statusCode(409)
                .contentType("application/problem+json")
                .body("detail", containsString("retry or discard operation " + parked.get(0) + " first"));

        // When the earlier one is retried while it still fails, it answers with its state: still parked
        JsonNode stillParked = given().post("/admin/devices/{id}/operations/{seq}/retry", device, parked.get(0))
                .then()
                .statusCode(200)
                .extract()
                .as(JsonNode.class);
        assertThat(stillParked.get("status").asText()).isEqualTo("parked");

        // When it is discarded, the later one can be retried, and applies
        given().post("/admin/devices/{id}/operations/{seq}/discard", device, parked.get(0)).then().statusCode(200);
        JsonNode applied = given().post("/admin/devices/{id}/operations/{seq}/retry", device, parked.get(1))
                .then()
                .statusCode(200)
                .extract()
                .as(JsonNode.class);
        assertThat(applied.get("status").asText()).isEqualTo("applied");
        assertThat(parkedSeqs(device)).isEmpty();
    }

    @Test
    void retryReappliesAParkedOperationOnceItsRecordExists() throws Exception {
        // Given an update parked because its record did not exist, and the record created since
        String device = device();
        String id = "late-" + UUID.randomUUID();
        push(device, ops(op("op-1", "todoitem", "update", id, "updated", null)));
        long seq = parkedSeqs(device).get(0);
        push(device(), ops(op("op-1", "todoitem", "insert", id, "created", null)));

        // When an administrator retries it
        JsonNode retried = given().post("/admin/devices/{id}/operations/{seq}/retry", device, seq)
                .then()
                .statusCode(200)
                .extract()
                .as(JsonNode.class);

        // Then it is applied in place, and the record carries the device's change
        assertThat(retried.get("seq").asLong()).isEqualTo(seq);
        assertThat(retried.get("operationId").asText()).isEqualTo("op-1");
        assertThat(retried.get("status").asText()).isEqualTo("applied");
        assertThat(retried.at("/result/status").asText()).isEqualTo("applied");
        assertThat(retried.get("resultVersion").asText()).isNotEmpty();
        assertThat(retried.get("resolvedAt").isNull()).isFalse();
        assertThat(parkedSeqs(device)).isEmpty();
        String text = given().header("ZUMO-API-VERSION", "2.0.0")
                .get("/tables/todoitem/" + id)
                .then()
                .statusCode(200)
                .extract()
                .path("text");
        assertThat(text).isEqualTo("updated");

        // And retrying it again is a problem 404: it is no longer parked
        given().post("/admin/devices/{id}/operations/{seq}/retry", device, seq)
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    void retryingAnOperationThatStillFailsAnswersItsNewState() throws Exception {
        // Given an update parked because its record does not exist, which still does not
        String device = device();
        push(device, ops(op("op-1", "todoitem", "update", "never-" + UUID.randomUUID(), "x", null)));
        long seq = parkedSeqs(device).get(0);

        // When an administrator retries it
        JsonNode retried = given().post("/admin/devices/{id}/operations/{seq}/retry", device, seq)
                .then()
                .statusCode(200)
                .extract()
                .as(JsonNode.class);

        // Then the answer is the operation as it stands: parked again, with why
        assertThat(retried.get("seq").asLong()).isEqualTo(seq);
        assertThat(retried.get("status").asText()).isEqualTo("parked");
        assertThat(retried.at("/result/error").asText()).contains("does not exist");
        assertThat(parkedSeqs(device)).containsExactly(seq);
    }

    @Test
    void forgettingADeviceWithParkedOperationsIsRefusedWithoutForce() throws Exception {
        // Given a device with two parked operations
        String device = device();
        push(device, ops(
                op("op-1", "todoitem", "update", "missing-" + UUID.randomUUID(), "x", null),
                op("op-2", "todoitem", "update", "missing-" + UUID.randomUUID(), "y", null)));

        // When an administrator forgets it without force
        String detail = given().delete("/admin/devices/{id}", device)
                .then()
                .statusCode(409)
                .contentType("application/problem+json")
                .extract()
                .path("detail");

        // Then the answer says how many are parked, and the device and its queue are still there
        assertThat(detail).contains("2 parked");
        assertThat(count("SELECT count(*) FROM device WHERE id = ?", device)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM device_operation WHERE device_id = ?", device)).isEqualTo(2);
    }

    @Test
    void forgettingADeviceWithForceDeletesItsQueueAndReplicasButKeepsTheConflictLog() throws Exception {
        // Given a device with a parked operation, a conflict and a replica record
        String device = device();
        String id = UUID.randomUUID().toString();
        JsonNode inserted = push(device, ops(
                op("op-1", "todoitem", "insert", id, "one", null),
                op("op-2", "todoitem", "update", "missing-" + UUID.randomUUID(), "x", null)));
        push(device, ops(op("op-3", "todoitem", "update", id, "stale", "not-" + inserted.at("/results/0/record/version")
                .asText())));
        given().queryParam("table", "todoitem").get("/sync/v1/devices/{id}/pull", device).then().statusCode(200);
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> count("SELECT count(*) FROM device_replica WHERE device_id = ?", device) > 0);

        // When an administrator forgets it with force
        given().queryParam("force", true).delete("/admin/devices/{id}", device).then().statusCode(204);

        // Then the device, its queue and its replica records are gone; the conflict log keeps what it sent
        given().get("/admin/devices/{id}", device).then().statusCode(404);
        assertThat(count("SELECT count(*) FROM device WHERE id = ?", device)).isZero();
        assertThat(count("SELECT count(*) FROM device_operation WHERE device_id = ?", device)).isZero();
        assertThat(count("SELECT count(*) FROM device_replica WHERE device_id = ?", device)).isZero();
        assertThat(count("SELECT count(*) FROM sync_conflict WHERE device_id = ?", device)).isEqualTo(1);

        // And forgetting it again is a problem 404
        given().queryParam("force", true).delete("/admin/devices/{id}", device).then().statusCode(404);
    }

    @Test
    void forgettingADeviceWithoutParkedOperationsNeedsNoForce() throws Exception {
        // Given a device whose operations all settled, one of them after a discard
        String device = device();
        push(device, ops(
                op("op-1", "todoitem", "insert", UUID.randomUUID().toString(), "one", null),
                op("op-2", "todoitem", "update", "missing-" + UUID.randomUUID(), "x", null)));
        given().post("/admin/devices/{id}/operations/{seq}/discard", device, parkedSeqs(device).get(0))
                .then()
                .statusCode(200);

        // When an administrator forgets it
        given().delete("/admin/devices/{id}", device).then().statusCode(204);

        // Then it is gone
        assertThat(count("SELECT count(*) FROM device WHERE id = ?", device)).isZero();
        assertThat(count("SELECT count(*) FROM device_operation WHERE device_id = ?", device)).isZero();
    }

    @Test
    void conflictLogIsListedNewestFirstWithBothSides() throws Exception {
        // Given a ZUMO device that lost two conflicts on one record
        String installation = "admin-" + UUID.randomUUID();
        String table = uniqueTable();
        String version = insertThroughZumo(installation, table, "c1", "server-1");
        for (String text : List.of("stale-1", "stale-2")) {
            zumo(installation).header("If-Match", "\"not-" + version + "\"")
                    .body("{\"id\":\"c1\",\"text\":\"" + text + "\"}")
                    .patch("/tables/" + table + "/c1")
                    .then()
                    .statusCode(412);
        }

        // When an administrator lists the conflicts of the device
        JsonNode page = getJson(given().queryParam("deviceId", installation), "/admin/conflicts");

        // Then both are there, newest first, with what the device sent, the server's row and the decision
        JsonNode items = page.get("items");
        assertThat(items).hasSize(2);
        assertThat(items.at("/0/clientItem/data/text").asText()).isEqualTo("stale-2");
        assertThat(items.at("/1/clientItem/data/text").asText()).isEqualTo("stale-1");
        assertThat(items.at("/0/serverItem/data/text").asText()).isEqualTo("server-1");
        assertThat(items.at("/0/decision").asText()).isEqualTo("server-wins");
        assertThat(items.at("/0/policy").asText()).isNotEmpty();
        assertThat(items.at("/0/source").asText()).isEqualTo("edge");
        assertThat(items.at("/0/table").asText()).isEqualTo(table);
        assertThat(items.at("/0/recordId").asText()).isEqualTo("c1");
        assertThat(items.at("/0/deviceId").asText()).isEqualTo(installation);
        assertThat(items.at("/0/detectedAt").isNull()).isFalse();

        // And the table filter finds them, page by page with the cursor
        JsonNode first = getJson(given().queryParam("table", table.toUpperCase(Locale.ROOT)).queryParam("limit", 1),
                "/admin/conflicts");
        assertThat(first.at("/items/0/clientItem/data/text").asText()).isEqualTo("stale-2");
        assertThat(first.get("hasMore").asBoolean()).isTrue();
        JsonNode second = getJson(given().queryParam("table", table)
                .queryParam("limit", 1)
                .queryParam("before", first.get("next").asText()), "/admin/conflicts");
        assertThat(second.at("/items/0/clientItem/data/text").asText()).isEqualTo("stale-1");
        assertThat(second.get("hasMore").asBoolean()).isFalse();
    }

    @Test
    void parkedOperationsAndActiveDevicesAreGauges() throws Exception {
        // Given a device with a parked operation
        push(device(), ops(op("op-1", "todoitem", "update", "missing-" + UUID.randomUUID(), "x", null)));
        long parked = count("SELECT count(*) FROM device_operation WHERE status = 'parked'", null);
        long active = count("SELECT count(*) FROM device WHERE last_seen > now() - interval '1 day'", null);

        // When the gauges are refreshed (the timer does so every 10 seconds)
        queueMetrics.refreshGauges().await().atMost(Duration.ofSeconds(10));

        // Then the metrics endpoint shows the counts
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(gauge(metrics, "edgesync_queue_parked")).isEqualTo(parked);
        assertThat(gauge(metrics, "edgesync_devices_active")).isEqualTo(active);
    }

    @Test
    void openApiDescribesTheAdminApi() {
        String openapi = given().get("/q/openapi").then().statusCode(200).extract().asString();
        assertThat(openapi).contains("/admin/devices/{deviceId}/operations/{seq}/retry").contains("/admin/conflicts");
    }

    private static String device() {
        return "admin-" + UUID.randomUUID();
    }

    private static String uniqueTable() {
        return "adm" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private static ObjectNode op(String operationId, String table, String kind, String id, String text,
            String baseVersion) {
        return NativePush.operation(operationId, table, kind, id, JSON.createObjectNode().put("text", text),
                baseVersion);
    }

    private static JsonNode getJson(RequestSpecification request, String path) throws Exception {
        String body = request.get(path).then().statusCode(200).extract().asString();
        return JSON.readTree(body);
    }

    private static List<Long> parkedSeqs(String device) throws Exception {
        JsonNode page = getJson(given().queryParam("status", "parked"), "/admin/devices/" + device + "/operations");
        List<Long> seqs = new ArrayList<>();
        page.get("items").forEach(item -> seqs.add(item.get("seq").asLong()));
        return seqs;
    }

    private static JsonNode findById(JsonNode items, String id) {
        for (JsonNode item : items) {
            if (item.get("id").asText().equals(id)) {
                return item;
            }
        }
        return null;
    }

    private static List<String> ids(JsonNode items) {
        return strings(items, "id");
    }

    private static List<String> strings(JsonNode items, String field) {
        List<String> values = new ArrayList<>();
        items.forEach(item -> values.add(item.get(field).asText()));
        return values;
    }

    private static long count(String sql, String parameter) throws Exception {
        try (Connection db = TestInfrastructure.connect(InfrastructureResource.DATABASE);
                PreparedStatement query = db.prepareStatement(sql)) {
            if (parameter != null) {
                query.setString(1, parameter);
            }
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    private static long gauge(String metrics, String name) {
        return metrics.lines()
                .filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
                .map(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElseThrow(() -> new AssertionError(name + " not in the metrics"));
    }
}
