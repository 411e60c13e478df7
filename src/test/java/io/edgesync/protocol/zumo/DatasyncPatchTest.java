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
        String id = "patch-" + UUID.randomUUID();
        given().header("ZUMO-API-VERSION", "3.0.0")
                .contentType(ContentType.JSON)
                .body("{\"id\":\"" + id + "\",\"text\":\"milk\",\"complete\":false}")
                .post("/tables/todoitem")
                .then()
                .statusCode(201);

        // A partial update: only the columns sent change
        Response patched = given().header("ZUMO-API-VERSION", "3.0.0")
                .contentType(ContentType.JSON)
                .body("{\"complete\":true}")
                .patch("/tables/todoitem/" + id);
        assertThat(patched.statusCode()).as(patched.asString()).isEqualTo(200);
        assertThat(patched.jsonPath().getBoolean("complete")).isTrue();
        assertThat(patched.jsonPath().getString("text")).isEqualTo("milk");

        // A JSON Patch document is refused, and the row stays as it was
        Response jsonPatch = given().header("ZUMO-API-VERSION", "3.0.0")
                .contentType("application/json-patch+json")
                .body("[{\"op\":\"replace\",\"path\":\"/text\",\"value\":\"bread\"}]")
                .patch("/tables/todoitem/" + id);
        assertThat(jsonPatch.statusCode()).as(jsonPatch.asString()).isEqualTo(400);
        assertThat(jsonPatch.jsonPath().getString("detail")).isNotBlank();
        assertThat(given().header("ZUMO-API-VERSION", "3.0.0")
                .get("/tables/todoitem/" + id)
                .jsonPath()
                .getString("text")).isEqualTo("milk");
    }
}
