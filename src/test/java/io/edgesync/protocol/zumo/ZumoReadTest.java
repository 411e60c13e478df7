package io.edgesync.protocol.zumo;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

import static io.edgesync.protocol.zumo.ConformanceFixtures.TODOITEM;
import static io.edgesync.protocol.zumo.ConformanceFixtures.fieldNames;
import static io.edgesync.protocol.zumo.ZumoClient.assertItemResponse;
import static io.edgesync.protocol.zumo.ZumoClient.assertSameItem;
import static io.edgesync.protocol.zumo.ZumoClient.assertV2ItemDoesNotExist;
import static io.edgesync.protocol.zumo.ZumoClient.insertV2;
import static io.edgesync.protocol.zumo.ZumoClient.json;
import static io.edgesync.protocol.zumo.ZumoClient.object;
import static io.edgesync.protocol.zumo.ZumoClient.readV2;
import static io.edgesync.protocol.zumo.ZumoClient.uniqueId;
import static io.edgesync.protocol.zumo.ZumoClient.v2;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cases 12-13 of docs/protocol.md section 8: v2 read by id; and, beyond section 8, a declared table found under any
 * spelling of its name.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class ZumoReadTest {

    @Test
    void case12_readByIdReturnsFullItemWithEtag() {
        // Given a stored row
        String id = uniqueId("a1");
        JsonNode inserted = insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));

        // When it is read by id
        Response response = v2().when().get("/tables/todoitem/{id}", id);

        // Then the full item comes back, unchanged by the read, with "ETag ok"
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        assertThat(fieldNames(item)).contains("id", "text", "complete", "createdAt", "updatedAt", "version",
                "deleted");
        assertSameItem(item, inserted);
    }

    @Test
    void case13_readOfAbsentIdReturns404ItemDoesNotExist() {
        // When an id that was never written is read
        Response response = v2().when().get("/tables/todoitem/{id}", uniqueId("nope"));

        // Then 404 {"error":"The item does not exist"}
        assertV2ItemDoesNotExist(response);
    }

    // ---- beyond section 8 -----------------------------------------------------------------------------------------

    @Test
    void declaredTableNameIsMatchedCaseInsensitively() {
        // Given an item inserted through /tables/TodoItem
        String id = uniqueId("ci");
        Response response = v2().contentType(ContentType.JSON)
                .body(object("id", id, "text", "x", "complete", false).toString())
                .when()
                .post("/tables/TodoItem");
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(201);

        // Then it is the declared todoitem table under any spelling
        assertSameItem(readV2(TODOITEM, id), json(response));
        assertSameItem(readV2("TODOITEM", id), json(response));
    }
}
