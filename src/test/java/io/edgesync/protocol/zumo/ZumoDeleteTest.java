package io.edgesync.protocol.zumo;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

import static io.edgesync.protocol.zumo.ConformanceFixtures.TODOITEM;
import static io.edgesync.protocol.zumo.ZumoClient.assertEtagOk;
import static io.edgesync.protocol.zumo.ZumoClient.assertItemResponse;
import static io.edgesync.protocol.zumo.ZumoClient.assertSameItem;
import static io.edgesync.protocol.zumo.ZumoClient.assertV2Error;
import static io.edgesync.protocol.zumo.ZumoClient.assertV2ItemDoesNotExist;
import static io.edgesync.protocol.zumo.ZumoClient.deleteV2;
import static io.edgesync.protocol.zumo.ZumoClient.etagOf;
import static io.edgesync.protocol.zumo.ZumoClient.insertV2;
import static io.edgesync.protocol.zumo.ZumoClient.json;
import static io.edgesync.protocol.zumo.ZumoClient.object;
import static io.edgesync.protocol.zumo.ZumoClient.patchV2;
import static io.edgesync.protocol.zumo.ZumoClient.readV2;
import static io.edgesync.protocol.zumo.ZumoClient.uniqueId;
import static io.edgesync.protocol.zumo.ZumoClient.updatedAt;
import static io.edgesync.protocol.zumo.ZumoClient.v2;
import static io.edgesync.protocol.zumo.ZumoClient.version;
import static org.assertj.core.api.Assertions.assertThat;

/** Cases 22-26 of docs/protocol.md section 8: v2 delete and undelete. */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class ZumoDeleteTest {

    @Test
    void case22_deleteWithCurrentIfMatchReturns200WithTombstoneAndEtag() {
        // Given a stored row
        String id = uniqueId("a1");
        JsonNode before = insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));

        // When it is deleted with its current version
        Response response = v2().header("If-Match", etagOf(version(before)))
                .when()
                .delete("/tables/todoitem/{id}", id);

        // Then 200 with the final item: deleted, new version, later updatedAt
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        assertThat(item.path("id").asText()).isEqualTo(id);
        assertThat(item.path("deleted").asBoolean()).as("deleted").isTrue();
        assertThat(item.path("text").asText()).isEqualTo("x");
        assertThat(version(item)).isNotEqualTo(version(before));
        assertThat(updatedAt(item)).isAfter(updatedAt(before));
    }

    @Test
    void case23_secondDeleteOfSameRowReturns404() {
        // Given a soft-deleted row
        String id = uniqueId("a1");
        insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));
        deleteV2(TODOITEM, id);

        // When it is deleted again, then 404
        assertV2Error(v2().when().delete("/tables/todoitem/{id}", id), 404);
    }

    @Test
    void case24_deleteWithStaleIfMatchReturns412WithCurrentLiveRow() {
        // Given a row whose first version is stale
        String id = uniqueId("b1");
        JsonNode first = insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));
        JsonNode current = patchV2(TODOITEM, id, object("id", id, "text", "second"));

        // When it is deleted with the stale version
        Response response = v2().header("If-Match", etagOf(version(first)))
                .when()
                .delete("/tables/todoitem/{id}", id);

        // Then 412 with the current, still live row
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(412);
        JsonNode body = json(response);
        assertSameItem(body, current);
        assertThat(body.path("deleted").isBoolean()).as("deleted is a boolean").isTrue();
        assertThat(body.path("deleted").asBoolean()).isFalse();
        assertEtagOk(response, body);
        assertSameItem(readV2(TODOITEM, id), current);
    }

    @Test
    void case25_deleteOfAbsentIdReturns404ItemDoesNotExist() {
        // When an id that was never written is deleted, then 404 {"error":"The item does not exist"}
        assertV2ItemDoesNotExist(v2().when().delete("/tables/todoitem/{id}", uniqueId("nope")));
    }

    @Test
    void case26_undeleteRestoresSoftDeletedRowWithNewVersion() {
        // Given a soft-deleted row
        String id = uniqueId("a1");
        insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));
        JsonNode tombstone = deleteV2(TODOITEM, id);

        // When a client undeletes it as the .NET client does (If-Match, no body)
        Response response = v2().noContentType()
                .header("If-Match", etagOf(version(tombstone)))
                .when()
                .post("/tables/todoitem/{id}", id);

        // Then the row is live again with a new version
        assertThat(response.statusCode()).as("status of %s", response.asString()).isBetween(200, 299);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        assertThat(item.path("id").asText()).isEqualTo(id);
        assertThat(item.path("deleted").asBoolean(true)).as("deleted").isFalse();
        assertThat(item.path("text").asText()).isEqualTo("x");
        assertThat(version(item)).isNotEqualTo(version(tombstone));
        assertThat(updatedAt(item)).isAfter(updatedAt(tombstone));
        assertThat(readV2(TODOITEM, id).path("deleted").asBoolean(true)).isFalse();
    }
}
