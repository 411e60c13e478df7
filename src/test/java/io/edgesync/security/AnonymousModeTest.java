package io.edgesync.security;

import org.junit.jupiter.api.Test;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** The anonymous mode of the local default opens what its banner says: development tokens, metrics, any origin. */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class AnonymousModeTest {

    @Test
    void theAnonymousModeMintsDevelopmentTokensOpensMetricsAndAnyOrigin() {
        // Given the gateway in its test default, anonymous mode with development tokens
        // When alice asks for a development token, then she gets one
        given().contentType(ContentType.JSON)
                .body("{\"subject\":\"alice\"}")
                .post("/dev/tokens")
                .then()
                .statusCode(200);
        // And the metrics answer without a token
        assertThat(given().get("/q/metrics").statusCode()).isEqualTo(200);
        // And a CORS preflight from any origin is allowed for that origin
        Response preflight = given().header("Origin", "https://app.example")
                .header("Access-Control-Request-Method", "GET")
                .options("/tables/todoitem");
        assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo("https://app.example");
    }
}
