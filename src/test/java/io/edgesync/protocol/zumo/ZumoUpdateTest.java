package io.edgesync.protocol.zumo;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

import static io.edgesync.protocol.zumo.ConformanceFixtures.TODOITEM;
import static io.edgesync.protocol.zumo.ZumoClient.assertEtagOk;
import static io.edgesync.protocol.zumo.ZumoClient.assertItemResponse;
import static io.edgesync.protocol.zumo.ZumoClient.assertSameItem;
import static io.edgesync.protocol.zumo.ZumoClient.assertV2Error;
import static io.edgesync.protocol.zumo.ZumoClient.assertV2ItemDoesNotExist;
import static io.edgesync.protocol.zumo.ZumoClient.createdAt;
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

/** Cases 14-21 of docs/protocol.md section 8: v2 update. */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class ZumoUpdateTest {

    @Test
    void case14_patchWithCurrentIfMatchMergesChangesAndBumpsVersion() {
        // Given a stored row
        String id = uniqueId("a1");
        JsonNode before = insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));

        // When a client patches text with the current version in If-Match
        Response response = v2().contentType(ContentType.JSON)
                .header("If-Match", etagOf(version(before)))
                .body(object("id", id, "text", "y").toString())
                .when()
                .patch("/tables/todoitem/{id}", id);

        // Then text changes, the other columns stay, and version and updatedAt move on
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        assertThat(item.path("id").asText()).isEqualTo(id);
        assertThat(item.path("text").asText()).isEqualTo("y");
        assertThat(item.path("complete").isBoolean()).as("complete is a boolean").isTrue();
        assertThat(item.path("complete").asBoolean()).isFalse();
        assertThat(item.path("deleted").asBoolean(true)).isFalse();
        assertThat(createdAt(item)).isEqualTo(createdAt(before));
        assertThat(version(item)).isNotEqualTo(version(before));
        assertThat(updatedAt(item)).isAfter(updatedAt(before));
    }

    @Test
    void case15_patchWithStaleIfMatchReturns412WithCurrentRow() {
        // Given a row whose first version is stale
        String id = uniqueId("a1");
        JsonNode first = insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));
        JsonNode current = patchV2(TODOITEM, id, object("id", id, "text", "second"));

        // When a client patches with the stale version in If-Match
        Response response = v2().contentType(ContentType.JSON)
                .header("If-Match", etagOf(version(first)))
                .body(object("id", id, "text", "third").toString())
                .when()
                .patch("/tables/todoitem/{id}", id);

        // Then 412 with the current row and its ETag, and nothing changed
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(412);
        JsonNode body = json(response);
        assertSameItem(body, current);
        assertThat(response.header("ETag")).isEqualTo(etagOf(version(current)));
        assertSameItem(readV2(TODOITEM, id), current);
    }

    @Test
    void case16_patchWithStaleBodyVersionAndNoIfMatchReturns409WithCurrentRow() {
        // Given a row whose first version is stale
        String id = uniqueId("a1");
        JsonNode first = insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));
        JsonNode current = patchV2(TODOITEM, id, object("id", id, "text", "second"));

        // When a client patches with the stale version in the body and no If-Match
        Response response = v2().contentType(ContentType.JSON)
                .body(object("text", "z", "version", version(first)).toString())
                .when()
                .patch("/tables/todoitem/{id}", id);

        // Then 409 (not 412) with the current row, and nothing changed
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(409);
        JsonNode body = json(response);
        assertSameItem(body, current);
        assertEtagOk(response, body);
        assertSameItem(readV2(TODOITEM, id), current);
    }

    @Test
    void case17_patchWithoutAnyVersionIsUnconditional() {
        // Given a row that was changed after its insert
        String id = uniqueId("a1");
        JsonNode first = insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));
        patchV2(TODOITEM, id, object("id", id, "text", "second"));

        // When a client patches without If-Match and without a body version
        Response response = v2().contentType(ContentType.JSON)
                .body(object("text", "w").toString())
                .when()
                .patch("/tables/todoitem/{id}", id);

        // Then the write is applied
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        assertThat(item.path("text").asText()).isEqualTo("w");
        assertThat(version(item)).isNotEqualTo(version(first));
    }

    @Test
    void case18_patchWithBodyIdDifferentFromUrlIdReturns400() {
        // Given a stored row
        String id = uniqueId("a1");
        JsonNode stored = insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));

        // When the body names another id
        Response response = v2().contentType(ContentType.JSON)
                .body(object("id", uniqueId("other")).toString())
                .when()
                .patch("/tables/todoitem/{id}", id);

        // Then 400, and the row is unchanged
        assertV2Error(response, 400);
        assertSameItem(readV2(TODOITEM, id), stored);
    }

    @Test
    void case19_patchOfAbsentIdReturns404WithOrWithoutIfMatch() {
        // Given an id that was never written
        String id = uniqueId("nope");

        // When an absent id is patched without If-Match, then 404
        assertV2ItemDoesNotExist(v2().contentType(ContentType.JSON)
                .body(object("id", id, "text", "y").toString())
                .when()
                .patch("/tables/todoitem/{id}", id));

        // When an absent id is patched with If-Match, then 404 too
        assertV2ItemDoesNotExist(v2().contentType(ContentType.JSON)
                .header("If-Match", "\"AAAAAAAAB9E=\"")
                .body(object("id", id, "text", "y").toString())
                .when()
                .patch("/tables/todoitem/{id}", id));
    }

    @Test
    void case20_patchOfSoftDeletedRowReturns404() {
        // Given a soft-deleted row
        String id = uniqueId("a1");
        insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));
        JsonNode tombstone = deleteV2(TODOITEM, id);

        // When it is patched, with or without the tombstone's version, then 404
        assertV2Error(v2().contentType(ContentType.JSON)
                .body(object("id", id, "text", "y").toString())
                .when()
                .patch("/tables/todoitem/{id}", id), 404);
        assertV2Error(v2().contentType(ContentType.JSON)
                .header("If-Match", etagOf(version(tombstone)))
                .body(object("id", id, "text", "y").toString())
                .when()
                .patch("/tables/todoitem/{id}", id), 404);
    }

    @Test
    void case21_patchWithWeakIfMatchReturns412() {
        // Given a stored row
        String id = uniqueId("a1");
        JsonNode current = insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));

        // When a client patches with a weak ETag of the current version
        Response response = v2().contentType(ContentType.JSON)
                .header("If-Match", "W/" + etagOf(version(current)))
                .body(object("id", id, "text", "y").toString())
                .when()
                .patch("/tables/todoitem/{id}", id);

        // Then a weak tag never matches: 412 with the current row, which is unchanged
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(412);
        assertSameItem(json(response), current);
        assertSameItem(readV2(TODOITEM, id), current);
    }
}
