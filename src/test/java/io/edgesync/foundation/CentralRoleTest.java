package io.edgesync.foundation;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

@QuarkusTest
@TestProfile(CentralRoleTest.CentralRole.class)
@WithTestResource(InfrastructureResource.class)
class CentralRoleTest {

    public static class CentralRole implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("edgesync.role", "central");
        }
    }

    @Test
    void centralProcessDoesNotServeDeviceEndpoints() {
        // Given the gateway running as the central process
        // When a device endpoint is called, then it is not there: a 404 problem
        given()
                .contentType(ContentType.JSON)
                .body("{}")
                .when()
                .put("/sync/v1/devices/{id}", "some-device")
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    void centralProcessIsReadyAndObservable() {
        // Given the gateway running as the central process
        // Then it reports itself ready
        given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        // And it serves its metrics
        given().when().get("/q/metrics").then().statusCode(200);
    }
}
