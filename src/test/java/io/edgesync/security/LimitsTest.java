package io.edgesync.security;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgesync.testsupport.ChunkedUpload;
import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

/** Every limit answers a clear JSON 4xx: one request at the limit, one past it. */
@QuarkusTest
@TestProfile(LimitsTest.SmallLimits.class)
@WithTestResource(InfrastructureResource.class)
class LimitsTest {

    public static class SmallLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("edgesync.limits.max-item-bytes", "1000"),
                    Map.entry("edgesync.limits.max-body-bytes", "2000"),
                    Map.entry("edgesync.limits.max-columns", "5"),
                    Map.entry("edgesync.limits.max-query-length", "100"),
                    Map.entry("edgesync.limits.max-filter-depth", "3"),
                    Map.entry("edgesync.limits.max-skip", "10"),
                    Map.entry("edgesync.limits.max-batch-operations", "3"),
                    Map.entry("edgesync.limits.rate-limit.enabled", "true"),
                    Map.entry("edgesync.limits.rate-limit.requests-per-second", "1"),
                    Map.entry("edgesync.limits.rate-limit.burst", "5"),
                    Map.entry("edgesync.limits.rate-limit.caller-requests-per-second", "5"),
                    Map.entry("edgesync.limits.rate-limit.caller-burst", "100"));
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TABLE = "limits";

    @Test
    void itemAtTheSizeLimitIsStoredAndOneByteMoreIs413() {
        assertThat(v2().body(itemOfSize(1000)).post("/tables/" + TABLE).statusCode()).isEqualTo(201);

        Response tooBig = v2().body(itemOfSize(1001)).post("/tables/" + TABLE);
        assertThat(tooBig.statusCode()).isEqualTo(413);
        assertThat(tooBig.jsonPath().getString("error")).contains("larger than 1000 bytes");
    }

    @Test
    void bodyOverTheBodyLimitIs413BeforeItIsRead() {
        String body = "{\"operations\":[{\"operationId\":\"a\",\"table\":\"limits\",\"kind\":\"insert\",\"item\":{\"text\":\""
                + "x".repeat(2100) + "\"}}]}";
        given().contentType(ContentType.JSON)
                .body(body)
                .post("/sync/v1/devices/{d}/push", "limits-" + UUID.randomUUID())
                .then()
                .statusCode(413)
                .contentType("application/problem+json")
                .body("detail", containsString("larger than 2000 bytes"));
    }

    @Test
    void itemWithTheMostColumnsIsStoredAndOneMoreIs400() {
        String five = "{\"id\":\"" + id() + "\",\"c1\":1,\"c2\":2,\"c3\":3,\"c4\":4,\"c5\":5}";
        String six = "{\"id\":\"" + id() + "\",\"c1\":1,\"c2\":2,\"c3\":3,\"c4\":4,\"c5\":5,\"c6\":6}";
        assertThat(v2().body(five).post("/tables/columns" + suffix()).statusCode()).isEqualTo(201);
        Response response = v2().body(six).post("/tables/columns" + suffix());
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.jsonPath().getString("error")).contains("more than 5 columns");
    }

    @Test
    void filterAtTheLengthLimitIsAnsweredAndOneCharacterMoreIs400() {
        String prefix = "id eq '";
        String atLimit = prefix + "x".repeat(100 - prefix.length() - 1) + "'";
        assertThat(atLimit).hasSize(100);
        assertThat(v2().queryParam("$filter", atLimit).get("/tables/todoitem").statusCode()).isEqualTo(200);

        String over = prefix + "x".repeat(100 - prefix.length()) + "'";
        Response response = v2().queryParam("$filter", over).get("/tables/todoitem");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.jsonPath().getString("error")).isNotBlank();
    }

    @Test
    void filterAtTheDepthLimitIsAnsweredAndOneLevelMoreIs400() {
        assertThat(v2().queryParam("$filter", "(((id eq 'a')))").get("/tables/todoitem").statusCode())
                .isEqualTo(200);
        assertThat(v2().queryParam("$filter", "((((id eq 'a'))))").get("/tables/todoitem").statusCode())
                .isEqualTo(400);
    }

    @Test
    void skipAtTheLimitIsAnsweredAndOneMoreIs400() {
        assertThat(v2().queryParam("$skip", 10).get("/tables/todoitem").statusCode()).isEqualTo(200);
        Response response = v2().queryParam("$skip", 11).get("/tables/todoitem");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.jsonPath().getString("error")).contains("$skip may be at most 10");
    }

    @Test
    void topAboveTheDatasyncMaximumIs400AndTheAzureProtocolClampsIt() {
        assertThat(given().header("ZUMO-API-VERSION", "3.0.0")
                .queryParam("$top", 128000)
                .get("/tables/todoitem")
                .statusCode()).isEqualTo(200);
        assertThat(given().header("ZUMO-API-VERSION", "3.0.0")
                .queryParam("$top", 128001)
                .get("/tables/todoitem")
                .statusCode()).isEqualTo(400);
        assertThat(v2().queryParam("$top", 1001).get("/tables/todoitem").statusCode()).isEqualTo(200);
    }

    @Test
    void batchAtTheLimitIsAppliedAndOneOperationMoreIs400() {
        String device = "limits-" + UUID.randomUUID();
        given().contentType(ContentType.JSON)
                .body(batch(3))
                .post("/sync/v1/devices/{d}/push", device)
                .then()
                .statusCode(200);
        given().contentType(ContentType.JSON)
                .body(batch(4))
                .post("/sync/v1/devices/{d}/push", device + "b")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("detail", containsString("at most 3 operations"));
    }

    @Test
    void idOfTheMaximumLengthIsStoredAndLongerOrReservedCharactersAre400() {
        assertThat(v2().body("{\"id\":\"" + "i".repeat(255) + "\"}").post("/tables/" + TABLE).statusCode())
                .isEqualTo(201);
        assertThat(v2().body("{\"id\":\"" + "i".repeat(256) + "\"}").post("/tables/" + TABLE).statusCode())
                .isEqualTo(400);
        for (String bad : new String[]{"a?b", "a/b", "a\\\\b", "a+b", "..", " "}) {
            assertThat(v2().body("{\"id\":\"" + bad + "\"}").post("/tables/" + TABLE).statusCode())
                    .as("id %s", bad)
                    .isEqualTo(400);
        }
    }

    @Test
    void malformedJsonAndWrongContentTypesAreClear4xx() {
        String device = "limits-" + UUID.randomUUID();
        given().contentType(ContentType.JSON)
                .body("{\"operations\":[")
                .post("/sync/v1/devices/{d}/push", device)
                .then()
                .statusCode(400)
                .contentType("application/problem+json");
        given().contentType(ContentType.TEXT)
                .body("hello")
                .post("/sync/v1/devices/{d}/push", device)
                .then()
                .statusCode(415)
                .contentType("application/problem+json");
        given().contentType(ContentType.JSON)
                .body(new byte[]{'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '"', '}'})
                .post("/tables/" + TABLE)
                .then()
                .statusCode(400);
    }

    @Test
    void deviceOverItsRateGets429WithRetryAfterAndOtherDevicesAreNotAffected() {
        String device = UUID.randomUUID().toString();
        int limited = 0;
        String retryAfter = null;
        for (int i = 0; i < 10; i++) {
            Response response = v2().header("X-ZUMO-INSTALLATION-ID", device).get("/tables/todoitem");
            if (response.statusCode() == 429) {
                limited++;
                retryAfter = response.header("Retry-After");
                assertThat(response.jsonPath().getString("error")).contains("Too many requests");
            }
        }
        assertThat(limited).as("requests over the burst of 5").isGreaterThanOrEqualTo(4);
        assertThat(retryAfter).isNotNull();
        assertThat(Long.parseLong(retryAfter)).isPositive();
        v2().header("X-ZUMO-INSTALLATION-ID", UUID.randomUUID().toString())
                .get("/tables/todoitem")
                .then()
                .statusCode(200);
    }

    @Test
    void aDoubledSlashDoesNotSkipTheRateLimit() throws Exception {
        // The endpoints match //tables/x and //sync/... as /tables/x and /sync/...: so does the rate limit
        for (String path : List.of("//tables/todoitem", "//sync/v1/devices/" + UUID.randomUUID() + "/pull?table=x")) {
            String device = UUID.randomUUID().toString();
            int limited = 0;
            for (int i = 0; i < 10; i++) {
                if (ChunkedUpload.get(RestAssured.port, "127.0.0.2", path,
                        Map.of("ZUMO-API-VERSION", "2.0.0", "X-ZUMO-INSTALLATION-ID", device)).status() == 429) {
                    limited++;
                }
            }
            assertThat(limited).as(path + ": requests over the burst of 5").isGreaterThanOrEqualTo(4);
        }
    }

    @Test
    void rotatingDeviceIdsDoesNotEscapeTheCallersLimit() throws Exception {
        // A client without a token that names a new installation id (or none) on every request, from one address
        int limited = 0;
        for (int i = 0; i < 150; i++) {
            Map<String, String> headers = i % 2 == 0
                    ? Map.of("ZUMO-API-VERSION", "2.0.0", "X-ZUMO-INSTALLATION-ID", UUID.randomUUID().toString())
                    : Map.of("ZUMO-API-VERSION", "2.0.0");
            ChunkedUpload.Answer answer = ChunkedUpload.get(RestAssured.port, "127.0.0.3", "/tables/todoitem",
                    headers);
            if (answer.status() == 429) {
                limited++;
                assertThat(answer.header("Retry-After")).isNotBlank();
                assertThat(JSON.readTree(answer.body()).path("error").asText()).contains("from this client");
            }
        }
        // Then it is held to the caller's burst of 100, and another client is not
        assertThat(limited).isGreaterThanOrEqualTo(40);
        assertThat(ChunkedUpload.get(RestAssured.port, "127.0.0.4", "/tables/todoitem",
                Map.of("ZUMO-API-VERSION", "2.0.0")).status()).isEqualTo(200);
    }

    @Test
    void aForgedXForwardedForDoesNotEscapeTheCallersLimit() throws Exception {
        // A client that is no proxy of the gateway's claims another address on every request
        int limited = 0;
        for (int i = 0; i < 150; i++) {
            ChunkedUpload.Answer answer = ChunkedUpload.get(RestAssured.port, "127.0.0.5", "/tables/todoitem",
                    Map.of("ZUMO-API-VERSION", "2.0.0", "X-Forwarded-For", "10.9." + (i / 250) + "." + (i % 250)));
            if (answer.status() == 429) {
                limited++;
            }
        }
        // Then the gateway counts the address it came from, held to the caller's burst of 100
        assertThat(limited).isGreaterThanOrEqualTo(40);
    }

    @Test
    void everyResponseCarriesSecurityHeadersAndNoInternals() {
        v2().get("/tables/todoitem")
                .then()
                .header("X-Content-Type-Options", equalTo("nosniff"))
                .header("X-Frame-Options", equalTo("DENY"))
                .header("Content-Security-Policy", notNullValue());
        Response missing = given().get("/no/such/path");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.asString()).doesNotContain("Exception")
                .doesNotContain("io.edgesync")
                .doesNotContain("\tat ");
        Response broken = v2().body("{\"text\":").post("/tables/" + TABLE);
        assertThat(broken.statusCode()).isEqualTo(400);
        assertThat(broken.asString()).doesNotContain("Exception").doesNotContain("com.fasterxml");
    }

    private static String batch(int operations) {
        StringBuilder body = new StringBuilder("{\"operations\":[");
        for (int i = 0; i < operations; i++) {
            body.append(i == 0 ? "" : ",")
                    .append("{\"operationId\":\"o")
                    .append(i)
                    .append("\",\"table\":\"limits\",\"kind\":\"insert\",\"id\":\"")
                    .append(id())
                    .append("\",\"item\":{\"text\":\"x\"}}");
        }
        return body.append("]}").toString();
    }

    /** A JSON item of exactly {@code bytes} bytes. */
    private static String itemOfSize(int bytes) {
        String head = "{\"id\":\"" + id() + "\",\"text\":\"";
        String tail = "\"}";
        String item = head + "x".repeat(bytes - head.length() - tail.length()) + tail;
        assertThat(item).hasSize(bytes);
        return item;
    }

    private static String id() {
        return UUID.randomUUID().toString();
    }

    private static String suffix() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    private static RequestSpecification v2() {
        return given().header("ZUMO-API-VERSION", "2.0.0").contentType(ContentType.JSON);
    }
}
