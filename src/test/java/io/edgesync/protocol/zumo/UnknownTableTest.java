package io.edgesync.protocol.zumo;

import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

import static io.edgesync.protocol.zumo.ZumoClient.assertListResponse;
import static io.edgesync.protocol.zumo.ZumoClient.assertSameItem;
import static io.edgesync.protocol.zumo.ZumoClient.assertV2Error;
import static io.edgesync.protocol.zumo.ZumoClient.insertV2;
import static io.edgesync.protocol.zumo.ZumoClient.json;
import static io.edgesync.protocol.zumo.ZumoClient.object;
import static io.edgesync.protocol.zumo.ZumoClient.readV2;
import static io.edgesync.protocol.zumo.ZumoClient.uniqueId;
import static io.edgesync.protocol.zumo.ZumoClient.v2;
import static org.assertj.core.api.Assertions.assertThat;

/** Conformance case 41 and its neighbours: with auto-create off only declared tables exist. */
@QuarkusTest
@TestProfile(UnknownTableTest.DeclaredTablesOnly.class)
@WithTestResource(InfrastructureResource.class)
class UnknownTableTest {

    public static class DeclaredTablesOnly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("edgesync.tables.auto-create", "false");
        }
    }

    @Test
    void case41_listOfUnknownTableReturns404WithJsonError() {
        // When a v2 client lists a table that is not declared
        Response response = v2().when().get("/tables/unknowntable");

        // Then 404 with a JSON error, not an HTML page
        assertV2Error(response, 404);
    }

    @Test
    void readByIdInUnknownTableReturns404WithJsonError() {
        assertV2Error(v2().when().get("/tables/unknowntable/{id}", uniqueId("x")), 404);
    }

    @Test
    void insertIntoUnknownTableReturns404WithJsonErrorAndCreatesNoTable() {
        // When a v2 client inserts into a table that is not declared
        String table = "unknown" + uniqueId("t").replace("-", "");
        Response response = v2().contentType(ContentType.JSON)
                .body(object("id", uniqueId("x"), "text", "x", "complete", false).toString())
                .when()
                .post("/tables/" + table);

        // Then 404 with a JSON error, and the table still does not exist
        assertV2Error(response, 404);
        assertV2Error(v2().when().get("/tables/" + table), 404);
    }

    @Test
    void declaredTodoitemIsStillServed() {
        // Given an item inserted into the declared table
        String id = uniqueId("declared");
        JsonNode inserted = insertV2("todoitem", object("id", id, "text", "x", "complete", false));

        // Then the table lists and reads as usual
        Response list = v2().when().get("/tables/todoitem");
        assertThat(list.statusCode()).as("status of %s", list.asString()).isEqualTo(200);
        assertListResponse(list, json(list));
        assertSameItem(readV2("todoitem", id), inserted);
    }
}
