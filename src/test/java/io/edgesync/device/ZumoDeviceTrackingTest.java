package io.edgesync.device;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.TestInfrastructure;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.is;

/** Plain ZUMO traffic, with no change on the device, shows up as a device with its queue and its watermarks. */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class ZumoDeviceTrackingTest {

    @Test
    void zumoClientTrafficIsRecordedAsDeviceQueueAndReplica() throws Exception {
        // Given a JS client installation
        String installation = UUID.randomUUID().toString();
        String table = "track" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

        // When it pushes an insert, an update with a stale version (412), a delete and an invalid item
        String version = zumo(installation).body("{\"id\":\"t1\",\"text\":\"a\",\"complete\":false}")
                .post("/tables/" + table)
                .then()
                .statusCode(201)
                .extract()
                .path("version");
        zumo(installation).header("If-Match", "\"" + version + "\"")
                .body("{\"id\":\"t1\",\"text\":\"b\"}")
                .patch("/tables/" + table + "/t1")
                .then()
                .statusCode(200);
        zumo(installation).header("If-Match", "\"" + version + "\"")
                .body("{\"id\":\"t1\",\"text\":\"stale\"}")
                .patch("/tables/" + table + "/t1")
                .then()
                .statusCode(412);
        zumo(installation).delete("/tables/" + table + "/t1").then().statusCode(200);
        zumo(installation).body("{\"text\":{\"nested\":true}}").post("/tables/" + table).then().statusCode(400);

        // And it pulls incrementally, as the JS client does
        String updatedAt = zumo(installation).queryParam("__includeDeleted", "true")
                .get("/tables/" + table + "/t1")
                .then()
                .statusCode(200)
                .extract()
                .path("updatedAt");
        given().urlEncodingEnabled(false)
                .header("ZUMO-API-VERSION", "2.0.0")
                .header("X-ZUMO-INSTALLATION-ID", installation)
                .get("/tables/" + table + "?$filter=(updatedAt%20ge%20datetimeoffset'1969-12-31T00:00:00.000Z')"
                        + "&$orderby=updatedAt&$top=50&__includeDeleted=true")
                .then()
                .statusCode(200);

        // Then the device exists, its queue holds the operations in order with their outcomes
        try (Connection db = TestInfrastructure.connect(InfrastructureResource.DATABASE)) {
            List<String> queue = new ArrayList<>();
            try (PreparedStatement query = db.prepareStatement(
                    "SELECT kind, status, item->>'text' FROM device_operation WHERE device_id = ? ORDER BY seq")) {
                query.setString(1, installation);
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        queue.add(rows.getString(1) + ":" + rows.getString(2) + ":" + rows.getString(3));
                    }
                }
            }
            assertThat(queue).containsExactly("insert:applied:a", "update:applied:b", "update:conflict:stale",
                    "delete:applied:null", "insert:rejected:{\"nested\": true}");

            // And the stale update is in the conflict log with both sides
            try (PreparedStatement query = db.prepareStatement("SELECT decision, client_item->'data'->>'text',"
                    + " server_item->'data'->>'text' FROM sync_conflict WHERE device_id = ?")) {
                query.setString(1, installation);
                try (ResultSet rows = query.executeQuery()) {
                    assertThat(rows.next()).isTrue();
                    assertThat(rows.getString(1)).isEqualTo("server-wins");
                    assertThat(rows.getString(2)).isEqualTo("stale");
                    assertThat(rows.getString(3)).isEqualTo("b");
                }
            }
        }

        // And its replica record holds the watermark it pulled to, for the query without a user filter
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            try (Connection db = TestInfrastructure.connect(InfrastructureResource.DATABASE);
                    PreparedStatement query = db.prepareStatement(
                            "SELECT query_id, watermark FROM device_replica WHERE device_id = ? AND table_name = ?")) {
                query.setString(1, installation);
                query.setString(2, table);
                try (ResultSet rows = query.executeQuery()) {
                    assertThat(rows.next()).as("replica record").isTrue();
                    assertThat(rows.getString(1)).isEqualTo("(updatedAt ge ?)");
                    assertThat(rows.getTimestamp(2).toInstant()).isEqualTo(Instant.parse(updatedAt));
                }
            }
        });
    }

    @Test
    void anUpToDateDevicesRepeatedPullsWriteItsReplicaOnceAndCountTheirRowsWithTheNextWrite() throws Exception {
        // Given a device that pulled a table of one row up to that row
        String installation = UUID.randomUUID().toString();
        String table = "track" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String first = insertedAt(installation, table, "r1");
        pullFrom(installation, table, first, 1);
        awaitReplica(installation, table, first, 1);

        // When it pulls again and again while nothing changes: each page holds the row at its watermark again
        pullFrom(installation, table, first, 1);
        pullFrom(installation, table, first, 1);

        // Then its replica record is not written for them
        Awaitility.await()
                .during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(5))
                .until(() -> replica(installation, table), replica -> replica.equals(Instant.parse(first) + " 1"));

        // And when its watermark moves, the write counts the rows of those pulls too
        String second = insertedAt(installation, table, "r2");
        pullFrom(installation, table, first, 2);
        awaitReplica(installation, table, second, 5);
    }

    /** Waits until the device's replica record of the table holds {@code watermark} and {@code rows} pulled. */
    private static void awaitReplica(String installation, String table, String watermark, long rows) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> replica(installation, table),
                        replica -> replica.equals(Instant.parse(watermark) + " " + rows));
    }

    /** Inserts the record {@code id}; its {@code updatedAt}. */
    private static String insertedAt(String installation, String table, String id) {
        return zumo(installation).body("{\"id\":\"" + id + "\",\"text\":\"" + id + "\"}")
                .post("/tables/" + table)
                .then()
                .statusCode(201)
                .extract()
                .path("updatedAt");
    }

    private static void pullFrom(String installation, String table, String watermark, int rows) {
        given().urlEncodingEnabled(false)
                .header("ZUMO-API-VERSION", "2.0.0")
                .header("X-ZUMO-INSTALLATION-ID", installation)
                .get("/tables/" + table + "?$filter=(updatedAt%20ge%20datetimeoffset'" + watermark
                        + "')&$orderby=updatedAt&$top=50&__includeDeleted=true")
                .then()
                .statusCode(200)
                .body("size()", is(rows));
    }

    /** The device's replica record of the table: its watermark (as the protocol writes it) and rows pulled. */
    private static String replica(String installation, String table) throws Exception {
        try (Connection db = TestInfrastructure.connect(InfrastructureResource.DATABASE);
                PreparedStatement query = db.prepareStatement(
                        "SELECT watermark, pulled_rows FROM device_replica WHERE device_id = ? AND table_name = ?")) {
            query.setString(1, installation);
            query.setString(2, table);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? rows.getTimestamp(1).toInstant() + " " + rows.getLong(2) : "none";
            }
        }
    }

    private static RequestSpecification zumo(String installation) {
        return given().header("ZUMO-API-VERSION", "2.0.0")
                .header("X-ZUMO-INSTALLATION-ID", installation)
                .contentType("application/json");
    }
}
