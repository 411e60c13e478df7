package io.edgesync.protocol.zumo;

import java.time.Instant;

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

/** Cases 5-11 of docs/protocol.md section 8: v2 insert. */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class ZumoInsertTest {

    @Test
    void case05_insertReturns201WithSystemPropertiesAndStrongEtag() {
        // Given a new id
        String id = uniqueId("a1");

        // When a v2 client inserts it
        Response response = v2().contentType(ContentType.JSON)
                .body(object("id", id, "text", "x", "complete", false).toString())
                .when()
                .post("/tables/todoitem");

        // Then the stored item comes back with its system properties and a strong ETag
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(201);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        assertThat(item.path("id").asText()).isEqualTo(id);
        assertThat(item.path("text").asText()).isEqualTo("x");
        assertThat(item.path("complete").isBoolean()).as("complete is a boolean").isTrue();
        assertThat(item.path("complete").asBoolean()).isFalse();
        assertThat(item.path("deleted").asBoolean(true)).as("deleted").isFalse();
        assertThat(item.path("createdAt").asText()).as("createdAt").isEqualTo(item.path("updatedAt").asText());
    }

    @Test
    void case06_insertWithoutIdGeneratesNonEmptyStringId() {
        // When a v2 client inserts an item without id
        Response response = v2().contentType(ContentType.JSON)
                .body(object("text", "no id").toString())
                .when()
                .post("/tables/todoitem");

        // Then the server assigns a non-empty string id and stores the item under it
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(201);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        assertThat(item.path("id").isTextual()).as("id is a string").isTrue();
        assertThat(item.path("id").asText()).isNotBlank();
        assertThat(readV2(TODOITEM, item.path("id").asText()).path("text").asText()).isEqualTo("no id");
    }

    @Test
    void case07_insertOfExistingIdReturns409WithCurrentServerRowAndItsEtag() {
        // Given a stored row that was changed after its insert
        String id = uniqueId("a1");
        insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));
        JsonNode current = patchV2(TODOITEM, id, object("id", id, "text", "stored"));

        // When a client inserts the same id again with other content
        Response response = v2().contentType(ContentType.JSON)
                .body(object("id", id, "text", "request", "complete", true).toString())
                .when()
                .post("/tables/todoitem");

        // Then 409 answers with the current stored row (not the request) and its ETag
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(409);
        JsonNode body = json(response);
        assertSameItem(body, current);
        assertThat(body.path("text").asText()).isEqualTo("stored");
        assertThat(response.header("ETag")).isEqualTo(etagOf(version(current)));
    }

    @Test
    void case08_insertOfSoftDeletedIdReturns409WithTombstone() {
        // Given a soft-deleted row
        String id = uniqueId("a1");
        insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));
        JsonNode tombstone = deleteV2(TODOITEM, id);

        // When a client inserts that id again
        Response response = v2().contentType(ContentType.JSON)
                .body(object("id", id, "text", "again", "complete", false).toString())
                .when()
                .post("/tables/todoitem");

        // Then 409 answers with the tombstone
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(409);
        JsonNode body = json(response);
        assertThat(body.path("deleted").isBoolean()).as("deleted is a boolean").isTrue();
        assertThat(body.path("deleted").asBoolean()).as("deleted").isTrue();
        assertSameItem(body, tombstone);
        assertEtagOk(response, body);
    }

    @Test
    void case09_truncatedJsonBodyReturns400WithErrorString() {
        // When the body is not complete JSON
        Response response = v2().contentType(ContentType.JSON)
                .body("{\"text\":")
                .when()
                .post("/tables/todoitem");

        // Then 400 with {"error": "..."}
        assertV2Error(response, 400);
    }

    @Test
    void case10_arrayBodyReturns400AndStoresNothing() {
        // When the body is an array instead of an object
        String id = uniqueId("z");
        Response response = v2().contentType(ContentType.JSON)
                .body("[{\"id\":\"" + id + "\"}]")
                .when()
                .post("/tables/todoitem");

        // Then 400, and nothing was stored
        assertV2Error(response, 400);
        assertV2ItemDoesNotExist(v2().when().get("/tables/todoitem/{id}", id));
    }

    @Test
    void case11_insertIgnoresClientUpdatedAtAndVersion() {
        // Given a body that carries its own updatedAt and version
        String id = uniqueId("a2");
        Instant before = Instant.now();

        // When it is inserted
        Response response = v2().contentType(ContentType.JSON)
                .body(object("id", id, "updatedAt", "2000-01-01T00:00:00.000Z", "version", "abc").toString())
                .when()
                .post("/tables/todoitem");
        Instant after = Instant.now();

        // Then updatedAt is the server's time and the version the server's own
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(201);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        assertThat(updatedAt(item)).isBetween(before.minusSeconds(60), after.plusSeconds(60));
        assertThat(version(item)).isNotEqualTo("abc");
        // And the declared columns the body left out are present as nulls
        assertThat(item.has("text")).as("text present: %s", item).isTrue();
        assertThat(item.path("text").isNull()).as("text is null: %s", item).isTrue();
        assertThat(item.has("complete")).as("complete present: %s", item).isTrue();
        assertThat(item.path("complete").isNull()).as("complete is null: %s", item).isTrue();
    }
}
