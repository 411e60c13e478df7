package io.edgesync.security;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.edgesync.testsupport.AnonymousOff;
import io.edgesync.testsupport.ChunkedUpload;
import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Turning anonymous access off closes every development door the local default opens, whatever the configuration
 * profile says: no development tokens (the profile still asks for them here) and no development sign-in provider,
 * metrics for admins only, no cross-origin access for origins nobody listed, no request body read from a caller without
 * a token.
 */
@QuarkusTest
@TestProfile(AnonymousOff.class)
@WithTestResource(InfrastructureResource.class)
class AnonymousAccessOffTest {

    @Test
    void anyoneCannotMintAnAdminTokenOnceAnonymousAccessIsOff() {
        // Given anonymous access off, though the profile still asks for development tokens
        // When mallory asks for an admin token, then there is no such door: a 404
        given().contentType(ContentType.JSON)
                .body("{\"subject\":\"mallory\",\"roles\":[\"admin\"]}")
                .post("/dev/tokens")
                .then()
                .statusCode(404);
    }

    @Test
    void theDevelopmentSignInProviderIsGoneOnceAnonymousAccessIsOff() {
        // Given anonymous access off, though the profile still configures the development provider
        // When anyone asks for its discovery document, its page or a token for mallory as admin
        Response discovery = given().get("/dev/oidc/.well-known/openid-configuration");
        Response page = given().get("/dev/oidc/authorize?response_type=code&client_id=x&redirect_uri=http://a.test/");
        Response token = given().formParam("grant_type", "password")
                .formParam("client_id", "edgesync-local")
                .formParam("username", "mallory")
                .formParam("roles", "admin")
                .post("/dev/oidc/token");
        // or signs in with it
        Response signIn = given().redirects().follow(false).get("/.auth/login/dev");

        // Then there is no such door: 404 problems, and no token
        for (Response answer : List.of(discovery, page, token)) {
            assertThat(answer.statusCode()).isEqualTo(404);
            assertThat(answer.contentType()).startsWith("application/problem+json");
            assertThat(answer.asString()).doesNotContain("id_token");
        }
        // and no such provider
        assertThat(signIn.statusCode()).isEqualTo(404);
        assertThat(signIn.jsonPath().getString("message")).contains("No identity provider named 'dev'");
    }

    @Test
    void metricsAreClosedToAnonymousCallersOnceAnonymousAccessIsOff() {
        // When an anonymous caller asks for the metrics, then it is a 401
        assertThat(given().get("/q/metrics").statusCode()).isEqualTo(401);
    }

    @Test
    void anOriginNobodyListedGetsNoCrossOriginAccessOnceAnonymousAccessIsOff() {
        // When an origin nobody listed sends a CORS preflight
        Response preflight = given().header("Origin", "https://evil.example")
                .header("Access-Control-Request-Method", "GET")
                .options("/tables/todoitem");
        // Then the answer does not allow that origin
        assertThat(preflight.header("Access-Control-Allow-Origin")).isNotEqualTo("https://evil.example");
    }

    @Test
    void aChunkedPushWithoutATokenIsRefusedBeforeItsBodyIsRead() throws Exception {
        // When a caller without a token starts a chunked push of 64 MiB
        ChunkedUpload.Answer answer = ChunkedUpload.send(RestAssured.port, "POST",
                "/sync/v1/devices/" + UUID.randomUUID() + "/push", Map.of(), 64L << 20);

        // Then it is refused with a 401 and a Bearer challenge
        assertThat(answer.status()).isEqualTo(401);
        assertThat(answer.header("WWW-Authenticate")).startsWith("Bearer");
        // And the answer comes before the body is finished, less than 16 MiB into it
        assertThat(answer.bodyFinished()).isFalse();
        assertThat(answer.bytesSentBeforeAnswer()).isLessThan(16L << 20);
    }
}
