package io.edgesync.admin;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.LogCapture;
import io.edgesync.testsupport.NativePush;
import io.edgesync.testsupport.TestInfrastructure;
import io.edgesync.testsupport.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;

import static io.edgesync.testsupport.NativePush.ops;
import static io.edgesync.testsupport.NativePush.push;
import static io.edgesync.testsupport.NativePush.pushAs;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** What the operator console reads: the overview, device search, conflict filters, tables, and Explain. */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class ConsoleApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void overviewShowsTheProcessItsChecksAndTheWritesOfTheLastSeconds() throws Exception {
        // Given the overview before some writes
        JsonNode before = getJson(given(), "/admin/overview");
        assertThat(before.get("role").asText()).isEqualTo("all");
        assertThat(before.get("edgeId").asText()).isNotBlank();
        assertThat(before.get("anonymous").asBoolean()).isTrue();
        assertThat(before.get("intervalSeconds").asInt()).isEqualTo(2);
        assertThat(before.get("uptimeSeconds").asLong()).isNotNegative();
        assertThat(before.findValuesAsText("status")).isNotEmpty().allMatch(status -> status.equals("UP"));
        long writesBefore = before.at("/totals/writes").asLong();
        Instant written = Instant.now();

        // When a device writes five records and pulls
        String device = device();
        ArrayNode operations = JSON.createArrayNode();
        for (int i = 0; i < 5; i++) {
            operations.add(insert("op-" + i, "todoitem", UUID.randomUUID().toString()));
        }
        push(device, operations);
        given().queryParam("table", "todoitem").get("/sync/v1/devices/{id}/pull", device).then().statusCode(200);

        // Then the totals count them, and a sample taken since shows a write rate
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode after = getJson(given(), "/admin/overview");
            assertThat(after.at("/totals/writes").asLong()).isGreaterThanOrEqualTo(writesBefore + 5);
            assertThat(after.at("/totals/pulls").asLong()).isPositive();
            boolean rateShown = false;
            for (JsonNode sample : after.get("samples")) {
                if (Instant.parse(sample.get("at").asText()).isAfter(written)
                        && sample.get("writesPerSecond").asDouble() > 0) {
                    rateShown = true;
                }
            }
            assertThat(rateShown).as("a sample after the writes with writes per second").isTrue();
        });
    }

    @Test
    void devicesAreFoundByPartOfTheirIdOrOfTheirUser() throws Exception {
        // Given a device bound to a user, and another device
        String marker = UUID.randomUUID().toString().substring(0, 8);
        String device = "console-" + marker + "-phone";
        String user = "Searched-User-" + marker;
        pushAs(user, device, ops(insert("op-1", "todoitem", UUID.randomUUID().toString())));
        push(device(), ops(insert("op-1", "todoitem", UUID.randomUUID().toString())));

        // When an administrator searches by part of the device id, and by part of the user in another case
        JsonNode byId = getJson(given().queryParam("q", marker + "-PHONE"), "/admin/devices");
        JsonNode byUser = getJson(given().queryParam("q", "searched-user-" + marker), "/admin/devices");
        JsonNode none = getJson(given().queryParam("q", "nothing-" + marker), "/admin/devices");

        // Then each search finds exactly that device
        assertThat(byId.findValuesAsText("id")).containsExactly(device);
        assertThat(byUser.findValuesAsText("id")).containsExactly(device);
        assertThat(byUser.at("/items/0/userId").asText()).isEqualTo(user);
        assertThat(none.get("items")).isEmpty();
    }

    @Test
    void stuckDevicesAreFoundByTheirParkedOperationsAndCountedInTheOverview() throws Exception {
        // Given two devices sharing a marker, one of them with a parked operation
        String marker = UUID.randomUUID().toString().substring(0, 8);
        String stuck = "console-" + marker + "-stuck";
        push(stuck, ops(update("op-1", "todoitem", "missing-" + UUID.randomUUID(), "x", null)));
        push("console-" + marker + "-fine", ops(insert("op-1", "todoitem", UUID.randomUUID().toString())));

        // When an administrator lists the devices with parked operations among them
        JsonNode found = getJson(given().queryParam("q", marker).queryParam("parked", true), "/admin/devices");

        // Then only the stuck one is listed, and the overview counts parked operations (every few seconds)
        assertThat(found.findValuesAsText("id")).containsExactly(stuck);
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(
                        getJson(given(), "/admin/overview").at("/queues/parkedOperations").asLong()).isPositive());
    }

    @Test
    void conflictsAreFilteredByPolicyAndTime() throws Exception {
        // Given a conflict on a server-wins table, decided after a known instant
        Instant before = Instant.now().minusSeconds(1);
        String device = device();
        String id = UUID.randomUUID().toString();
        JsonNode inserted = push(device, ops(insert("op-1", "cp_server", id)));
        String version = inserted.at("/results/0/record/version").asText();
        push(device, ops(update("op-2", "cp_server", id, "second", version)));
        push(device, ops(update("op-3", "cp_server", id, "stale", version)));

        // When the log is filtered by the policy and a window that holds it, or by another policy or an earlier window
        JsonNode matching = conflicts(given().queryParam("policy", "server-wins")
                .queryParam("since",
                        before.toString()),
                device);
        JsonNode otherPolicy = conflicts(given().queryParam("policy", "client-wins"), device);
        JsonNode earlier = conflicts(given().queryParam("until", before.toString()), device);

        // Then only the first finds it
        assertThat(matching.findValuesAsText("recordId")).containsExactly(id);
        assertThat(matching.at("/items/0/policy").asText()).isEqualTo("server-wins");
        assertThat(otherPolicy.get("items")).isEmpty();
        assertThat(earlier.get("items")).isEmpty();
        given().queryParam("since", "yesterday")
                .get("/admin/conflicts")
                .then()
                .statusCode(400)
                .contentType(containsString("problem+json"))
                .body("detail", containsString("since must be an ISO-8601 instant"));
    }

    @Test
    void tablesShowTheirRowsTombstonesPolicyAndAccess() throws Exception {
        // Given a new table with two rows, one of them deleted
        String table = "con" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String device = device();
        JsonNode inserted = push(device, ops(insert("op-1", table, "a"), insert("op-2", table, "b")));
        push(device, ops(NativePush.operation("op-3", table, "delete", "b", null,
                inserted.at("/results/1/record/version").asText())));

        // When an administrator lists the tables
        JsonNode tables = getJson(given(), "/admin/tables").get("items");

        // Then the new table shows one row, one tombstone and its last change; declared tables show their settings
        JsonNode created = byName(tables, table);
        assertThat(created.get("rows").asLong()).isEqualTo(1);
        assertThat(created.get("tombstones").asLong()).isEqualTo(1);
        assertThat(created.get("lastChange").isNull()).isFalse();
        assertThat(created.get("policy").asText()).isEqualTo("server-wins");
        assertThat(created.get("perUser").asBoolean()).isTrue();
        assertThat(created.get("declared").asBoolean()).isFalse();
        assertThat(byName(tables, "cp_client").get("policy").asText()).isEqualTo("client-wins");
        assertThat(byName(tables, "shared_board").get("perUser").asBoolean()).isFalse();
        assertThat(byName(tables, "todoitem").get("declared").asBoolean()).isTrue();
        // And each table the rows this edge holds of it: all, those of its users, or a filter's, with how far the filter
        // was filled from central
        assertThat(byName(tables, "todoitem").get("scope").asText()).isEqualTo("all");
        assertThat(byName(tables, "todoitem").get("fill").isNull()).isTrue();
        assertThat(byName(tables, "mine").get("scope").asText()).isEqualTo("owners");
        JsonNode regional = byName(tables, "regional");
        assertThat(regional.get("scope").asText()).isEqualTo("region eq 'north'");
        Awaitility.await("the regional scope filled").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode fill = byName(getJson(given(), "/admin/tables").get("items"), "regional").get("fill");
            assertThat(fill.get("swept").asBoolean()).isTrue();
            assertThat(fill.get("done").asBoolean()).isTrue();
            assertThat(fill.get("finishedAt").isNull()).isFalse();
        });
    }

    @Test
    void explainSaysTheDeviceHasTheRecordOnceItPulledPastItsChange() throws Exception {
        // Given a device that wrote a record and then pulled the table
        String device = device();
        String id = UUID.randomUUID().toString();
        push(device, ops(insert("op-1", "todoitem", id)));
        pullUntilSettled(device, id, "current");

        // When another device changes the record
        JsonNode current = explain("todoitem", id, device);
        String other = device();
        push(other, ops(update("op-1", "todoitem", id, "changed elsewhere", current.at("/record/version").asText())));

        // Then the first device had the record, and now has not pulled past its change
        assertThat(current.get("current").asBoolean()).isTrue();
        assertThat(current.get("message").asText()).contains("the device has version");
        JsonNode behind = explain("todoitem", id, device);
        assertThat(behind.get("reason").asText()).isEqualTo("not-pulled");
        assertThat(behind.get("current").asBoolean()).isFalse();
        assertThat(behind.get("replicas")).hasSize(1);
        assertThat(behind.get("message").asText()).contains("its next pull brings it");
    }

    @Test
    void explainSaysWhenTheDeviceNeverPulledTheTable() throws Exception {
        // Given a record, and a device that only ever wrote to another table
        String id = UUID.randomUUID().toString();
        push(device(), ops(insert("op-1", "todoitem", id)));
        String device = device();
        push(device, ops(insert("op-1", "shared_board", UUID.randomUUID().toString())));

        // When an administrator asks whether the device has the record
        JsonNode answer = explain("todoitem", id, device);

        // Then it never pulled the table
        assertThat(answer.get("reason").asText()).isEqualTo("never-pulled");
        assertThat(answer.get("replicas")).isEmpty();
    }

    @Test
    void explainSaysWhenAnotherUserOwnsTheRecord() throws Exception {
        // Given a record of alice on a per-user table, and bob's device that pulled the table
        String id = UUID.randomUUID().toString();
        String alice = "alice-" + UUID.randomUUID();
        String bob = "bob-" + UUID.randomUUID();
        pushAs(alice, device(), ops(insert("op-1", "todoitem", id)));
        String device = device();
        pushAs(bob, device, ops(insert("op-1", "todoitem", UUID.randomUUID().toString())));

        // When an administrator asks whether bob's device has alice's record
        JsonNode answer = explain("todoitem", id, device);

        // Then it is filtered out by its owner
        assertThat(answer.get("reason").asText()).isEqualTo("filtered-by-owner");
        assertThat(answer.at("/record/ownerId").asText()).isEqualTo(alice);
        assertThat(answer.at("/device/userId").asText()).isEqualTo(bob);
    }

    @Test
    void explainSaysWhenTheDevicesOwnOperationIsParked() throws Exception {
        // Given a device whose update of a record that does not exist is parked
        String device = device();
        String id = "missing-" + UUID.randomUUID();
        push(device, ops(update("op-1", "todoitem", id, "x", null)));

        // When an administrator asks about that record
        JsonNode answer = explain("todoitem", id, device);

        // Then the parked operation is the reason
        assertThat(answer.get("reason").asText()).isEqualTo("parked");
        assertThat(answer.get("parkedOperations")).hasSize(1);
        assertThat(answer.get("record").isNull()).isTrue();
    }

    @Test
    void explainTellsAPurgedTombstoneFromARecordNeverWritten() throws Exception {
        // Given a record written and deleted whose tombstone has gone (as the purge removes it at last)
        String device = device();
        String id = UUID.randomUUID().toString();
        JsonNode inserted = push(device, ops(insert("op-1", "todoitem", id)));
        push(device, ops(NativePush.operation("op-2", "todoitem", "delete", id, null,
                inserted.at("/results/0/record/version").asText())));
        // (the central service's echo of the delete may write the tombstone again: purge until it stays gone)
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            purgeFromCache("todoitem", id);
            assertThat(explain("todoitem", id, device).get("record").isNull()).isTrue();
        });

        // When an administrator asks about it, and about an id nothing ever named
        JsonNode purged = explain("todoitem", id, device);
        JsonNode unknown = explain("todoitem", "never-" + UUID.randomUUID(), device);

        // Then the first is a purged tombstone, the second an unknown record
        assertThat(purged.get("reason").asText()).isEqualTo("tombstone-purged");
        assertThat(unknown.get("reason").asText()).isEqualTo("unknown-record");
        assertThat(unknown.get("current").asBoolean()).isFalse();
    }

    @Test
    void explainRefusesUnknownDevicesTablesAndMissingParameters() {
        // Given a device id nobody used, a table that does not exist, and a question without its record
        // When an administrator asks / Then each is a clear problem
        given().queryParam("table", "todoitem")
                .queryParam("id", "x")
                .queryParam("device", device())
                .get("/admin/explain")
                .then()
                .statusCode(404)
                .body("detail", containsString("Unknown device"));
        given().queryParam("table", "no_such_table")
                .queryParam("id", "x")
                .queryParam("device", device())
                .get("/admin/explain")
                .then()
                .statusCode(404)
                .body("detail", containsString("does not exist"));
        given().queryParam("table", "todoitem")
                .queryParam("device", device())
                .get("/admin/explain")
                .then()
                .statusCode(400)
                .body("detail", containsString("record's id"));
    }

    @Test
    void everyActionIsLoggedWithWhoDidIt() throws Exception {
        // Given a device with two parked operations
        String device = device();
        push(device, ops(update("op-1", "todoitem", "missing-" + UUID.randomUUID(), "x", null),
                update("op-2", "todoitem", "missing-" + UUID.randomUUID(), "y", null)));
        JsonNode parked = getJson(given().queryParam("status", "parked"), "/admin/devices/" + device + "/operations");
        long first = parked.at("/items/0/seq").asLong();
        long second = parked.at("/items/1/seq").asLong();
        String admin = "ops-" + UUID.randomUUID();

        try (LogCapture log = LogCapture.start()) {
            // When an administrator signed in retries one, an anonymous one discards the other, and the first forgets
            // the device
            given().header("Authorization", "Bearer " + TestTokens.token(admin, "admin"))
                    .post("/admin/devices/{d}/operations/{s}/retry", device, first)
                    .then()
                    .statusCode(200);
            given().post("/admin/devices/{d}/operations/{s}/discard", device, second).then().statusCode(200);
            given().header("Authorization", "Bearer " + TestTokens.token(admin, "admin"))
                    .queryParam("force", true)
                    .delete("/admin/devices/{d}", device)
                    .then()
                    .statusCode(204);

            // Then each action is one log line that names who did it
            assertThat(log.messages()).filteredOn(message -> message.contains(device))
                    .containsExactly(
                            "Administrator " + admin + " retried parked operation " + first + " of device " + device
                                    + ": parked",
                            "An anonymous administrator discarded parked operation " + second + " of device " + device,
                            "Administrator " + admin + " forgot device " + device + " (1 parked operation(s) dropped)");
        }
    }

    @Test
    void openApiDescribesTheConsolesEndpointsWithTheirSchemas() {
        // Given the gateway's OpenAPI document / When it is read
        String openapi = given().get("/q/openapi").then().statusCode(200).extract().asString();

        // Then it has the console's endpoints and their answers' schemas
        assertThat(openapi).contains("/admin/overview", "/admin/tables", "/admin/explain", "AdminOverview",
                "AdminExplanation", "AdminTable", "filtered-by-owner");
    }

    @Test
    void theRootOfAnEdgeLeadsToTheConsole() {
        // Given an edge / When a browser opens its root / Then it is sent to the console
        given().redirects().follow(false).get("/").then().statusCode(302).header("Location", equalTo("/console/"));
        given().redirects()
                .follow(false)
                .get("/console")
                .then()
                .statusCode(302)
                .header("Location", equalTo("/console/"));
        given().get("/console/").then().statusCode(200).contentType(containsString("text/html"));
    }

    /** Pulls the table natively until Explain gives {@code reason} (the new record settles below the horizon). */
    private static void pullUntilSettled(String device, String id, String reason) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            given().queryParam("table", "todoitem").get("/sync/v1/devices/{id}/pull", device).then().statusCode(200);
            assertThat(explain("todoitem", id, device).get("reason").asText()).isEqualTo(reason);
        });
    }

    private static void purgeFromCache(String table, String id) throws Exception {
        try (Connection db = TestInfrastructure.connect(InfrastructureResource.DATABASE);
                PreparedStatement purge = db
                        .prepareStatement("DELETE FROM sync_record WHERE table_name = ? AND id = ?")) {
            purge.setString(1, table);
            purge.setString(2, id);
            purge.executeUpdate();
        }
    }

    private static JsonNode explain(String table, String id, String device) throws Exception {
        return getJson(given().queryParam("table", table).queryParam("id", id).queryParam("device", device),
                "/admin/explain");
    }

    private static JsonNode conflicts(RequestSpecification request, String device) throws Exception {
        return getJson(request.queryParam("deviceId", device), "/admin/conflicts");
    }

    private static ObjectNode insert(String operationId, String table, String id) {
        return NativePush.operation(operationId, table, "insert", id, JSON.createObjectNode().put("text", "first"),
                null);
    }

    private static ObjectNode update(String operationId, String table, String id, String text, String baseVersion) {
        return NativePush.operation(operationId, table, "update", id, JSON.createObjectNode().put("text", text),
                baseVersion);
    }

    private static JsonNode byName(JsonNode tables, String name) {
        for (JsonNode table : tables) {
            if (table.get("name").asText().equals(name)) {
                return table;
            }
        }
        throw new AssertionError("No table " + name + " in " + tables);
    }

    private static String device() {
        return "console-" + UUID.randomUUID();
    }

    private static JsonNode getJson(RequestSpecification request, String path) throws Exception {
        return JSON.readTree(request.get(path).then().statusCode(200).extract().asString());
    }
}
