package io.edgesync.security;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** Every surface refuses a caller without a valid token the same way. */
@QuarkusTest
@TestProfile(SecurityTest.Secured.class)
@WithTestResource(InfrastructureResource.class)
class UnauthenticatedAnswersTest {

    private static final List<List<String>> OUTSIDE_THE_TABLE_PROTOCOL = List.of(
            List.of("GET", "/sync/v1/devices/d1/pull?table=secured"),
            List.of("POST", "/sync/v1/devices/d1/push"),
            List.of("GET", "/sync/v1/devices/d1"),
            List.of("GET", "/sync/v1/devices/d1/events"),
            List.of("GET", "/admin/devices"),
            List.of("GET", "/q/metrics"),
            List.of("POST", "/tables/secured"));

    @Test
    void everySurfaceAnswersACallerWithoutAValidTokenWithOneShapeOf401() {
        // Given the secured gateway and a caller without a token, then one with a token that is not valid
        for (String token : Arrays.asList(null, "not.a.token")) {
            for (List<String> call : OUTSIDE_THE_TABLE_PROTOCOL) {
                String attempt = call + " with token " + token;
                // When the caller calls each surface outside the table protocol
                Response answer = request(token, call.get(0)).request(call.get(0), call.get(1));
                // Then each answers a 401 with a Bearer challenge, as a problem whose detail is the error message
                assertThat(answer.statusCode()).as(attempt).isEqualTo(401);
                assertThat(answer.getHeader("WWW-Authenticate")).as(attempt).isEqualTo("Bearer");
                assertThat(answer.getContentType()).as(attempt).startsWith("application/problem+json");
                JsonPath body = answer.jsonPath();
                assertThat(body.getInt("status")).as(attempt).isEqualTo(401);
                assertThat(body.getString("title")).as(attempt).isEqualTo("Unauthorized");
                assertThat(body.getString("detail")).as(attempt)
                        .isNotBlank()
                        .isEqualTo(body.getString("error"));
            }
            // When the caller reads a table through the table protocol
            Response table = request(token, "GET").get("/tables/secured");
            // Then it answers in the table protocol's own shape: a 401 with the same Bearer challenge and an error
            // message
            assertThat(table.statusCode()).isEqualTo(401);
            assertThat(table.getHeader("WWW-Authenticate")).isEqualTo("Bearer");
            assertThat(table.jsonPath().getString("error")).isNotBlank();
        }
    }

    private static RequestSpecification request(String token, String method) {
        RequestSpecification request = given().header("ZUMO-API-VERSION", "2.0.0");
        if (token != null) {
            request = request.header("Authorization", "Bearer " + token);
        }
        return method.equals("POST") ? request.contentType(ContentType.JSON).body("{\"operations\":[]}") : request;
    }
}
