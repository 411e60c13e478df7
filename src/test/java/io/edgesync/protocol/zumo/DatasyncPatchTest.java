package io.edgesync.protocol.zumo;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * PATCH under Datasync 3.0.0: the Datasync clients replace with PUT, and the gateway also takes a PATCH with a JSON
 * object as a partial update, as under 2.0.0 (the README says so). A JSON Patch document (an array of operations) is
 * not supported and is a 400 that says so, never a silent change.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class DatasyncPatchTest {

    @Test
    void aPatchWithAnObjectUpdatesTheGivenColumnsAndAJsonPatchDocumentIsA400() {
        // Given a todo item "milk", not complete, created under 3.0.0
        String id = "patch-" + UUID.randomUUID();
        given().header("ZUMO-API-VERSION", "3.0.0")
                .contentType(ContentType.JSON)
                .body("{\"id\":\"" + id + "\",\"text\":\"milk\",\"complete\":false}")
                .post("/tables/todoitem")
                .then()
                .statusCode(201);

        // When a PATCH under 3.0.0 sends a JSON object with only complete in it (a partial update)
        Response patched = given().header("ZUMO-API-VERSION", "3.0.0")
                .contentType(ContentType.JSON)
                .body("{\"complete\":true}")
                .patch("/tables/todoitem/" + id);
        // Then the answer has complete set and the text unchanged: only the columns sent change
        assertThat(patched.statusCode()).as(patched.asString()).isEqualTo(200);
        assertThat(patched.jsonPath().getBoolean("complete")).isTrue();
        assertThat(patched.jsonPath().getString("text")).isEqualTo("milk");

        // When a JSON Patch document (an array of operations) is sent instead
        Response jsonPatch = given().header("ZUMO-API-VERSION", "3.0.0")
                .contentType("application/json-patch+json")
                .body("[{\"op\":\"replace\",\"path\":\"/text\",\"value\":\"bread\"}]")
                .patch("/tables/todoitem/" + id);
        // Then it is a 400 that says why
        assertThat(jsonPatch.statusCode()).as(jsonPatch.asString()).isEqualTo(400);
        assertThat(jsonPatch.jsonPath().getString("detail")).isNotBlank();
        // And the row keeps its text
        assertThat(given().header("ZUMO-API-VERSION", "3.0.0")
                .get("/tables/todoitem/" + id)
                .jsonPath()
                .getString("text")).isEqualTo("milk");
    }
}
