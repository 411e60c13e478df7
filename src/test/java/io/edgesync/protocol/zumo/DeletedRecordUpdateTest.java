package io.edgesync.protocol.zumo;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A table-protocol update of a record the server deleted is a conflict for the table's policy, as in the native API:
 * under server-wins the device gets the protocol's answer for a deleted record, under client-wins its change brings the
 * record back. Either way the device's queue records the update once.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class DeletedRecordUpdateTest {

    @Test
    void underClientWinsAnUpdateOfADeletedRecordBringsItBack() {
        // Given a record of a client-wins table, inserted and then deleted through a device
        String device = "deleted-cw-" + UUID.randomUUID();
        String id = insertAndDelete("cp_client", device);

        // When the device sends its offline change to the record with a PATCH under 2.0.0
        Response patched = zumo(device).body("{\"id\":\"" + id + "\",\"text\":\"changed offline\"}")
                .patch("/tables/cp_client/" + id);

        // Then the record is back, not deleted, with the device's change
        assertThat(patched.statusCode()).as(patched.asString()).isEqualTo(200);
        assertThat(patched.jsonPath().getBoolean("deleted")).isFalse();
        assertThat(patched.jsonPath().getString("text")).isEqualTo("changed offline");
        // And the device's queue records the update once, as applied
        assertThat(updatesIn(device)).containsExactly("applied");
    }

    @Test
    void underServerWinsAnUpdateOfADeletedRecordAnswersAsTheProtocolSaysAndIsQueuedOnce() {
        // Given a record of a server-wins table, inserted and then deleted through a device
        String device = "deleted-sw-" + UUID.randomUUID();
        String id = insertAndDelete("cp_server", device);

        // When the device changes the record with a PATCH under 2.0.0, and again with a PUT under 3.0.0
        Response v2 = zumo(device).body("{\"id\":\"" + id + "\",\"text\":\"changed offline\"}")
                .patch("/tables/cp_server/" + id);
        Response v3 = given().header("ZUMO-API-VERSION", "3.0.0")
                .header("X-ZUMO-INSTALLATION-ID", device)
                .contentType(ContentType.JSON)
                .body("{\"id\":\"" + id + "\",\"text\":\"changed offline\"}")
                .put("/tables/cp_server/" + id);

        // Then each version answers as its protocol says for a deleted record: 404 under 2.0.0, 410 under 3.0.0
        assertThat(v2.statusCode()).as(v2.asString()).isEqualTo(404);
        assertThat(v3.statusCode()).as(v3.asString()).isEqualTo(410);
        // And the device's queue records each of the two updates once, neither of them applied
        assertThat(updatesIn(device)).hasSize(2).doesNotContain("applied");
    }

    private static String insertAndDelete(String table, String device) {
        String id = UUID.randomUUID().toString();
        zumo(device).body("{\"id\":\"" + id + "\",\"text\":\"original\"}")
                .post("/tables/" + table)
                .then()
                .statusCode(201);
        zumo(device).delete("/tables/" + table + "/" + id).then().statusCode(200);
        return id;
    }

    private static RequestSpecification zumo(String device) {
        return given().header("ZUMO-API-VERSION", "2.0.0")
                .header("X-ZUMO-INSTALLATION-ID", device)
                .contentType(ContentType.JSON);
    }

    /** The statuses of the device's queued updates, in order. */
    private static List<String> updatesIn(String device) {
        Response queue = given().get("/admin/devices/{d}/operations", device);
        assertThat(queue.statusCode()).isEqualTo(200);
        return queue.jsonPath().getList("items.findAll { it.kind == 'update' }.status", String.class);
    }
}
