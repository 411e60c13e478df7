package io.edgesync.security;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgesync.notify.EventStreamClient;
import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * Production security: tokens required, rows per user, devices bound to their first user, roles per table, the admin
 * API and metrics for admins only. User A never sees user B's rows through any endpoint.
 */
@QuarkusTest
@TestProfile(SecurityTest.Secured.class)
@WithTestResource(InfrastructureResource.class)
class SecurityTest {

    public static class Secured implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // %test-prefixed: they must beat the test profile's own values in application.properties
            return Map.ofEntries(
                    Map.entry("%test.edgesync.security.anonymous", "false"),
                    Map.entry("%test.edgesync.security.dev-tokens", "false"),
                    Map.entry("%test.quarkus.http.auth.permission.metrics.policy", "edgesync-admin"),
                    Map.entry("edgesync.tables.declared.guarded.read-roles", "reader"),
                    Map.entry("edgesync.tables.declared.guarded.write-roles", "writer"),
                    Map.entry("edgesync.tables.declared.public_notes.anonymous", "true"),
                    Map.entry("edgesync.tables.declared.public_notes.per-user", "false"),
                    // Open to callers without a token, rows per user (HostileUserTest)
                    Map.entry("edgesync.tables.declared.anon_private.anonymous", "true"),
                    // Shared rows only the role 'staff' may read (HostileUserTest)
                    Map.entry("edgesync.tables.declared.staff_board.per-user", "false"),
                    Map.entry("edgesync.tables.declared.staff_board.read-roles", "staff"),
                    Map.entry("edgesync.limits.max-streams-per-user", "6"));
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TABLE = "secured";

    @TestHTTPResource("/")
    URI root;

    private final String alice = TestTokens.token("alice-" + UUID.randomUUID());
    private final String bob = TestTokens.token("bob-" + UUID.randomUUID());
    private final String admin = TestTokens.token("root-" + UUID.randomUUID(), "admin");

    @Test
    void requestsWithoutAValidTokenAre401() {
        Response none = given().header("ZUMO-API-VERSION", "2.0.0").get("/tables/" + TABLE);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.jsonPath().getString("error")).contains("Authentication required");
        assertThat(given().header("ZUMO-API-VERSION", "2.0.0")
                .header("Authorization", "Bearer not.a.token")
                .get("/tables/" + TABLE)
                .statusCode()).isEqualTo(401);
        // A token whose claims were changed after signing (another subject)
        String[] parts = TestTokens.token("mallory").split("\\.");
        String claims = new String(java.util.Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("mallory", "admin");
        String forged = parts[0] + "." + java.util.Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        assertThat(zumo(forged).get("/tables/" + TABLE).statusCode()).isEqualTo(401);
        given().contentType(ContentType.JSON)
                .body("{\"operations\":[]}")
                .post("/sync/v1/devices/{d}/push", UUID.randomUUID().toString())
                .then()
                .statusCode(401);
    }

    @Test
    void theAzureClientsXZumoAuthHeaderCarriesTheSameToken() {
        given().header("ZUMO-API-VERSION", "2.0.0")
                .header("X-ZUMO-AUTH", alice)
                .get("/tables/" + TABLE)
                .then()
                .statusCode(200);
    }

    @Test
    void userACannotReadUpdateDeleteOrPullUserBsRows() throws Exception {
        // Given a row of Bob's
        String id = UUID.randomUUID().toString();
        zumo(bob).contentType(ContentType.JSON)
                .body("{\"id\":\"" + id + "\",\"text\":\"bob's\"}")
                .post("/tables/" + TABLE)
                .then()
                .statusCode(201);

        // Then Alice gets 404 for it by id, on update, delete and undelete, and never sees it in lists or pulls
        assertThat(zumo(alice).get("/tables/" + TABLE + "/" + id).statusCode()).isEqualTo(404);
        assertThat(zumo(alice).contentType(ContentType.JSON)
                .body("{\"text\":\"mine now\"}")
                .patch("/tables/" + TABLE + "/" + id)
                .statusCode()).isEqualTo(404);
        assertThat(zumo(alice).delete("/tables/" + TABLE + "/" + id).statusCode()).isEqualTo(404);
        assertThat(given().header("ZUMO-API-VERSION", "3.0.0")
                .header("Authorization", "Bearer " + alice)
                .contentType(ContentType.JSON)
                .body("{\"id\":\"" + id + "\",\"text\":\"x\"}")
                .put("/tables/" + TABLE + "/" + id)
                .statusCode()).isEqualTo(404);
        JsonNode list = JSON.readTree(zumo(alice).queryParam("__includeDeleted", "true")
                .queryParam("$filter", "id eq '" + id + "'")
                .get("/tables/" + TABLE)
                .asString());
        assertThat(list.size()).isZero();
        JsonNode count = JSON.readTree(zumo(alice).queryParam("$inlinecount", "allpages")
                .queryParam("$filter", "id eq '" + id + "'")
                .get("/tables/" + TABLE)
                .asString());
        assertThat(count.path("count").asLong()).isZero();
        JsonNode pulled = JSON.readTree(given().header("Authorization", "Bearer " + alice)
                .queryParam("table", TABLE)
                .queryParam("limit", 10000)
                .get("/sync/v1/devices/{d}/pull", "alice-device-" + UUID.randomUUID())
                .asString());
        for (JsonNode change : pulled.path("changes")) {
            assertThat(change.path("id").asText()).isNotEqualTo(id);
        }

        // And a native push of Alice on Bob's row is parked as not found, an insert of the same id tells nothing
        JsonNode pushed = JSON.readTree(given().header("Authorization", "Bearer " + alice)
                .contentType(ContentType.JSON)
                .body("{\"operations\":[{\"operationId\":\"1\",\"table\":\"" + TABLE
                        + "\",\"kind\":\"update\",\"id\":\""
                        + id + "\",\"item\":{\"text\":\"x\"}},{\"operationId\":\"2\",\"table\":\"" + TABLE
                        + "\",\"kind\":\"delete\",\"id\":\"" + id + "\"}]}")
                .post("/sync/v1/devices/{d}/push", "alice-device-" + UUID.randomUUID())
                .asString());
        assertThat(pushed.at("/results/0/status").asText()).isEqualTo("parked");
        assertThat(pushed.at("/results/1/status").asText()).isEqualTo("parked");
        Response insert = zumo(alice).contentType(ContentType.JSON)
                .body("{\"id\":\"" + id + "\",\"text\":\"a\"}")
                .post("/tables/" + TABLE);
        assertThat(insert.statusCode()).isEqualTo(409);
        assertThat(insert.asString()).doesNotContain("bob's");

        // While Bob still has his row, unchanged
        zumo(bob).get("/tables/" + TABLE + "/" + id).then().statusCode(200).body("text", equalTo("bob's"));
    }

    @Test
    void aDeviceIsBoundToItsFirstUserAndCannotBeTakenOver() {
        String device = UUID.randomUUID().toString();
        zumo(alice).header("X-ZUMO-INSTALLATION-ID", device).get("/tables/" + TABLE).then().statusCode(200);

        Response zumo = zumo(bob).header("X-ZUMO-INSTALLATION-ID", device).get("/tables/" + TABLE);
        assertThat(zumo.statusCode()).isEqualTo(403);
        assertThat(zumo.jsonPath().getString("error")).contains("belongs to another user");
        given().header("Authorization", "Bearer " + bob)
                .queryParam("table", TABLE)
                .get("/sync/v1/devices/{d}/pull", device)
                .then()
                .statusCode(403);
        given().header("Authorization", "Bearer " + bob)
                .contentType(ContentType.JSON)
                .body("{\"operations\":[{\"operationId\":\"1\",\"table\":\"" + TABLE
                        + "\",\"kind\":\"insert\",\"item\":{\"text\":\"x\"}}]}")
                .post("/sync/v1/devices/{d}/push", device)
                .then()
                .statusCode(403);
        // The rightful user goes on
        zumo(alice).header("X-ZUMO-INSTALLATION-ID", device).get("/tables/" + TABLE).then().statusCode(200);
    }

    @Test
    void theAdminApiAndMetricsAreForAdminsOnly() {
        given().get("/admin/devices").then().statusCode(401);
        given().header("Authorization", "Bearer " + alice)
                .get("/admin/devices")
                .then()
                .statusCode(403)
                .contentType("application/problem+json");
        given().header("Authorization", "Bearer " + admin).get("/admin/devices").then().statusCode(200);
        given().header("Authorization", "Bearer " + alice).get("/admin/conflicts").then().statusCode(403);

        assertThat(given().get("/q/metrics").statusCode()).isEqualTo(401);
        assertThat(given().header("Authorization", "Bearer " + alice).get("/q/metrics").statusCode()).isEqualTo(403);
        assertThat(given().header("Authorization", "Bearer " + admin).get("/q/metrics").statusCode()).isEqualTo(200);
        // Health stays open for probes
        given().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void tableRolesDecideWhoReadsAndWrites() {
        String reader = TestTokens.token("reader-" + UUID.randomUUID(), "reader");
        String writer = TestTokens.token("writer-" + UUID.randomUUID(), "reader", "writer");
        assertThat(zumo(alice).get("/tables/guarded").statusCode()).isEqualTo(403);
        assertThat(zumo(reader).get("/tables/guarded").statusCode()).isEqualTo(200);
        assertThat(zumo(reader).contentType(ContentType.JSON)
                .body("{\"text\":\"x\"}")
                .post("/tables/guarded")
                .statusCode()).isEqualTo(403);
        assertThat(zumo(writer).contentType(ContentType.JSON)
                .body("{\"text\":\"x\"}")
                .post("/tables/guarded")
                .statusCode()).isEqualTo(201);
    }

    @Test
    void anonymousAccessOnlyWhereATableAllowsIt() {
        given().header("ZUMO-API-VERSION", "2.0.0")
                .contentType(ContentType.JSON)
                .body("{\"text\":\"hello\"}")
                .post("/tables/public_notes")
                .then()
                .statusCode(201);
        given().header("ZUMO-API-VERSION", "2.0.0").get("/tables/public_notes").then().statusCode(200);
        given().header("ZUMO-API-VERSION", "2.0.0").get("/tables/" + TABLE).then().statusCode(401);
    }

    @Test
    void changeNotificationsOnlyAnnounceTheCallersRowsAndDevices() throws Exception {
        URI devices = URI.create(root.toString().replaceAll("/$", "") + "/sync/v1/devices/");
        String aliceDevice = "alice-phone-" + UUID.randomUUID();
        // No token: 401 before the stream opens
        try (EventStreamClient anonymous = EventStreamClient.open(devices.resolve(aliceDevice + "/events"))) {
            assertThat(anonymous.status(Duration.ofSeconds(5))).isEqualTo(401);
        }
        try (EventStreamClient stream = EventStreamClient.open(
                devices.resolve(aliceDevice + "/events?tables=" + TABLE), alice)) {
            assertThat(stream.status(Duration.ofSeconds(5))).isEqualTo(200);
            assertThat(stream.awaitEvent(e -> e.name().equals("ready"), Duration.ofSeconds(5))).isPresent();
            Thread.sleep(300);

            // When Bob changes a row of his own, Alice's stream hears nothing
            zumo(bob).contentType(ContentType.JSON)
                    .body("{\"text\":\"bob's secret\"}")
                    .post("/tables/" + TABLE)
                    .then()
                    .statusCode(201);
            assertThat(stream.awaitEvent(e -> e.name().equals("change"), Duration.ofMillis(1500))).isEmpty();

            // When Alice changes one of hers, it does
            zumo(alice).contentType(ContentType.JSON)
                    .body("{\"text\":\"alice's\"}")
                    .post("/tables/" + TABLE)
                    .then()
                    .statusCode(201);
            assertThat(stream.awaitEvent(e -> e.name().equals("change"), Duration.ofSeconds(3))).isPresent();

            // And Bob cannot listen on Alice's device
            try (EventStreamClient takeover = EventStreamClient.open(devices.resolve(aliceDevice + "/events"),
                    bob)) {
                assertThat(takeover.status(Duration.ofSeconds(5))).isEqualTo(403);
            }
        }
    }

    @Test
    void aDeviceMayHoldOnlyTheConfiguredNumberOfStreams() throws Exception {
        URI devices = URI.create(root.toString().replaceAll("/$", "") + "/sync/v1/devices/");
        String device = "busy-" + UUID.randomUUID();
        java.util.List<EventStreamClient> open = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                EventStreamClient stream = EventStreamClient.open(devices.resolve(device + "/events"), alice);
                open.add(stream);
                assertThat(stream.status(Duration.ofSeconds(5))).as("stream %d", i + 1).isEqualTo(200);
                assertThat(stream.awaitEvent(e -> e.name().equals("ready"), Duration.ofSeconds(5))).isPresent();
            }
            try (EventStreamClient fifth = EventStreamClient.open(devices.resolve(device + "/events"), alice)) {
                assertThat(fifth.status(Duration.ofSeconds(5))).isEqualTo(429);
            }
        } finally {
            open.forEach(EventStreamClient::close);
        }
    }

    @Test
    void devTokensAreOffInProduction() {
        given().contentType(ContentType.JSON)
                .body("{\"subject\":\"eve\",\"roles\":[\"admin\"]}")
                .post("/dev/tokens")
                .then()
                .statusCode(404);
    }

    @Test
    void problemBodiesCarryNoInternals() {
        Response denied = given().header("Authorization", "Bearer " + alice).get("/admin/devices");
        assertThat(denied.asString()).doesNotContain("Exception").doesNotContain("io.edgesync");
        given().header("ZUMO-API-VERSION", "2.0.0")
                .get("/tables/" + TABLE)
                .then()
                .header("WWW-Authenticate", containsString("Bearer"))
                .statusCode(401);
    }

    private static RequestSpecification zumo(String token) {
        return given().header("ZUMO-API-VERSION", "2.0.0").header("Authorization", "Bearer " + token);
    }
}
