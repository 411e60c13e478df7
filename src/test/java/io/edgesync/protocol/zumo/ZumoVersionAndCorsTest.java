package io.edgesync.protocol.zumo;

import org.junit.jupiter.api.Test;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

import static io.edgesync.protocol.zumo.ConformanceFixtures.tokens;
import static io.edgesync.protocol.zumo.ZumoClient.assertListResponse;
import static io.edgesync.protocol.zumo.ZumoClient.assertV2Error;
import static io.edgesync.protocol.zumo.ZumoClient.json;
import static io.edgesync.protocol.zumo.ZumoClient.v2;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** Cases 1-4 of docs/protocol.md section 8: version detection and CORS. */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class ZumoVersionAndCorsTest {

    @Test
    void case01_unsupportedApiVersionIsRejectedWith400AndJsonError() {
        // When a client sends a version that is neither 2.0 nor 3.0
        Response response = given().header("ZUMO-API-VERSION", "4.0.0").when().get("/tables/todoitem");

        // Then it is a 400 with a JSON error message
        assertV2Error(response, 400);
    }

    @Test
    void case02_apiVersionInQueryParameterWithoutHeaderIsAccepted() {
        // When the version comes only as a query parameter
        Response response = given().urlEncodingEnabled(false).when().get("/tables/todoitem?ZUMO-API-VERSION=2.0.0");

        // Then the request is served as v2: a bare JSON array
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        assertListResponse(response, json(response));
    }

    @Test
    void case03_anyV2PatchVersionInLowerCaseHeaderIsAccepted() {
        // When the header name is lower case and the version is 2.0.7
        Response response = given().header("zumo-api-version", "2.0.7").when().get("/tables/todoitem");

        // Then the request is served as v2: a bare JSON array
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        assertListResponse(response, json(response));
    }

    @Test
    void case04_corsPreflightWithoutVersionEchoesOriginAndRequestedHeaders() {
        // When a browser sends a preflight without any ZUMO-API-VERSION
        Response response = given().header("Origin", "http://localhost:8080")
                .header("Access-Control-Request-Method", "PATCH")
                .header("Access-Control-Request-Headers", "zumo-api-version,if-match,content-type")
                .when()
                .options("/tables/todoitem");

        // Then it succeeds, echoes the origin and the requested headers, and exposes ETag and Link
        assertThat(response.statusCode()).as("status").isBetween(200, 299);
        assertThat(response.header("Access-Control-Allow-Origin")).isEqualTo("http://localhost:8080");
        assertThat(tokens(response.header("Access-Control-Allow-Headers")))
                .as("Access-Control-Allow-Headers")
                .contains("zumo-api-version", "if-match", "content-type");
        assertThat(tokens(response.header("Access-Control-Expose-Headers")))
                .as("Access-Control-Expose-Headers")
                .contains("etag", "link");
    }

    @Test
    void case04b_corsRequestEchoesOriginAndExposesEtagAndLink() {
        // When a browser reads a table from another origin
        Response response = v2().header("Origin", "http://localhost:8080").when().get("/tables/todoitem");

        // Then the origin is allowed and ETag and Link are readable by the script
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        assertThat(response.header("Access-Control-Allow-Origin")).isEqualTo("http://localhost:8080");
        assertThat(tokens(response.header("Access-Control-Expose-Headers")))
                .as("Access-Control-Expose-Headers")
                .contains("etag", "link");
    }
}
