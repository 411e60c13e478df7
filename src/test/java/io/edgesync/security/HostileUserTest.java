package io.edgesync.security;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgesync.cache.Precondition;
import io.edgesync.notify.EventStreamClient;
import io.edgesync.sync.AnswerFormat;
import io.edgesync.sync.WriteCall;
import io.edgesync.sync.WriteRequest;
import io.edgesync.sync.WriteService;
import io.edgesync.testsupport.ChunkedUpload;
import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The attacks a hostile user tried where features meet, each replayed against production security (tokens required,
 * rows per user): every one must fail.
 */
@QuarkusTest
@TestProfile(SecurityTest.Secured.class)
@WithTestResource(InfrastructureResource.class)
class HostileUserTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Open to callers without a token, with rows per user. */
    private static final String ANONYMOUS_TABLE = "anon_private";

    @Inject
    WriteService writes;

    @Inject
    Pool pool;

    private final String aliceSubject = "alice-" + UUID.randomUUID();
    private final String alice = TestTokens.token(aliceSubject);
    private final String bobSubject = "bob-" + UUID.randomUUID();
    private final String bob = TestTokens.token(bobSubject);

    @Test
    void callersWithoutATokenCannotReadChangeOrDeleteSignedInUsersRowsOfAnAnonymousTable() throws Exception {
        // Given a row Alice wrote to a table that callers without a token may use
        String id = "alice-" + UUID.randomUUID();
        zumo(alice).contentType(ContentType.JSON)
                .body("{\"id\":\"" + id + "\",\"text\":\"ALICE SECRET\"}")
                .post("/tables/" + ANONYMOUS_TABLE)
                .then()
                .statusCode(201);

        // Then a caller without a token does not see it in a list, by id, in a pull, and cannot change or delete it
        assertThat(zumo(null).queryParam("__includeDeleted", "true").get("/tables/" + ANONYMOUS_TABLE).asString())
                .doesNotContain("ALICE SECRET");
        assertThat(zumo(null).get("/tables/" + ANONYMOUS_TABLE + "/" + id).statusCode()).isEqualTo(404);
        assertThat(zumo(null).contentType(ContentType.JSON)
                .body("{\"text\":\"defaced\"}")
                .patch("/tables/" + ANONYMOUS_TABLE + "/" + id)
                .statusCode()).isEqualTo(404);
        assertThat(zumo(null).delete("/tables/" + ANONYMOUS_TABLE + "/" + id).statusCode()).isEqualTo(404);
        assertThat(given().queryParam("table", ANONYMOUS_TABLE)
                .get("/sync/v1/devices/{d}/pull", "anonymous-" + UUID.randomUUID())
                .then()
                .statusCode(200)
                .extract()
                .asString()).doesNotContain("ALICE SECRET");
        JsonNode pushed = JSON.readTree(given().contentType(ContentType.JSON)
                .body("{\"operations\":[{\"operationId\":\"1\",\"table\":\"" + ANONYMOUS_TABLE
                        + "\",\"kind\":\"update\",\"id\":\"" + id + "\",\"item\":{\"text\":\"defaced\"}}]}")
                .post("/sync/v1/devices/{d}/push", "anonymous-" + UUID.randomUUID())
                .asString());
        assertThat(pushed.at("/results/0/status").asText()).isEqualTo("parked");

        // And Alice's row is as she wrote it
        zumo(alice).get("/tables/" + ANONYMOUS_TABLE + "/" + id).then().statusCode(200);
        assertThat(zumo(alice).get("/tables/" + ANONYMOUS_TABLE + "/" + id).jsonPath().getString("text"))
                .isEqualTo("ALICE SECRET");

        // And what a caller without a token writes there is its own kind of row: not Alice's to see
        String anonymousId = "anonymous-" + UUID.randomUUID();
        zumo(null).contentType(ContentType.JSON)
                .body("{\"id\":\"" + anonymousId + "\",\"text\":\"from nobody\"}")
                .post("/tables/" + ANONYMOUS_TABLE)
                .then()
                .statusCode(201);
        assertThat(zumo(null).get("/tables/" + ANONYMOUS_TABLE + "/" + anonymousId).statusCode()).isEqualTo(200);
        assertThat(zumo(alice).get("/tables/" + ANONYMOUS_TABLE + "/" + anonymousId).statusCode()).isEqualTo(404);
    }

    @Test
    void anInsertThatLosesARaceForAnIdToAnotherUserLearnsNothingOfTheirRow() throws Exception {
        // Given Bob inserting an id, his transaction not yet committed
        String table = freshTable("race");
        zumo(bob).contentType(ContentType.JSON)
                .body("{\"id\":\"seed\"}")
                .post("/tables/" + table)
                .then()
                .statusCode(201);
        String id = "contested-" + UUID.randomUUID();
        SqlConnection connection = pool.getConnection().await().atMost(Duration.ofSeconds(10));
        Response aliceAnswer;
        try {
            var tx = connection.begin().await().atMost(Duration.ofSeconds(10));
            WriteCall asBob = new WriteCall(new Caller(Optional.of(bobSubject), Set.of()), Optional.empty(),
                    "zumo-v2", Optional.empty(),
                    (seq, operationId, request, t, outcome, stops) -> new AnswerFormat.Answer(
                            "applied", Optional.empty(), JSON.createObjectNode()));
            writes.writeInTransaction(connection, asBob, List.of(new WriteRequest(table, WriteRequest.INSERT,
                    Optional.of(id), Optional.of(JSON.createObjectNode().put("text", "BOB SECRET")),
                    Precondition.NONE, Optional.empty(), Optional.empty(), Optional.empty(), false, false, false)))
                    .await()
                    .atMost(Duration.ofSeconds(10));

            // When Alice inserts the same id, and Bob's insert commits while hers waits for it
            CompletableFuture<Response> alices = CompletableFuture.supplyAsync(() -> zumo(alice)
                    .contentType(ContentType.JSON)
                    .body("{\"id\":\"" + id + "\",\"text\":\"alice's\"}")
                    .post("/tables/" + table));
            Thread.sleep(500);
            tx.commit().await().atMost(Duration.ofSeconds(10));
            aliceAnswer = alices.get(30, TimeUnit.SECONDS);
        } finally {
            connection.close().await().atMost(Duration.ofSeconds(10));
        }

        // Then Alice is told the id is taken, and nothing of Bob's row
        assertThat(aliceAnswer.statusCode()).isEqualTo(409);
        assertThat(aliceAnswer.asString()).doesNotContain("BOB SECRET").doesNotContain(bobSubject);
        zumo(bob).get("/tables/" + table + "/" + id).then().statusCode(200);
    }

    @Test
    void aTokenTheIdentityProviderIssuedForAnotherApiIsRefused() {
        // Signed by the right issuer, made for another API: its audience is not this gateway's
        String forAnotherApi = TestTokens.tokenForAnotherApi(aliceSubject);

        assertThat(zumo(forAnotherApi).get("/tables/secured").statusCode()).isEqualTo(401);
        assertThat(zumo(alice).get("/tables/secured").statusCode()).isEqualTo(200);
    }

    @Test
    void aTokenThatExpiredTenSecondsAgoIsRefused() {
        String expired = TestTokens.expiredToken(aliceSubject, Duration.ofSeconds(10));

        assertThat(zumo(expired).get("/tables/secured").statusCode()).isEqualTo(401);
    }

    @Test
    void chunkedBodiesFromCallersWithoutAValidTokenAreRefusedBeforeTheyAreRead() throws Exception {
        // 64 MiB without Content-Length, with no token or a forged one, where a token is needed (the native API is
        // open to callers without a token here, as some tables are: AnonymousAccessOffTest covers it)
        Map<String, Map<String, String>> callers = Map.of(
                "no token", Map.of("ZUMO-API-VERSION", "2.0.0"),
                "forged token", Map.of("ZUMO-API-VERSION", "2.0.0", "Authorization", "Bearer " + alice + "x"));
        for (var caller : callers.entrySet()) {
            for (String path : List.of("/tables/secured", "//tables/secured",
                    "/admin/devices/" + UUID.randomUUID() + "/operations/1/retry")) {
                ChunkedUpload.Answer answer = ChunkedUpload.send(RestAssured.port, "POST", path, caller.getValue(),
                        64L << 20);

                // Then the gateway answers 401 at once, without waiting for (or keeping) the body
                String attempt = caller.getKey() + " " + path + " " + answer;
                assertThat(answer.status()).as(attempt).isEqualTo(401);
                assertThat(answer.header("WWW-Authenticate")).as(attempt).startsWith("Bearer");
                assertThat(JSON.readTree(answer.body()).path("error").asText()).as(attempt).contains("token");
                assertThat(answer.bodyFinished()).as(attempt).isFalse();
                assertThat(answer.bytesSentBeforeAnswer()).as(attempt).isLessThan(16L << 20);
            }
        }
    }

    @Test
    void chunkedBodiesWithinTheLimitAreStored() throws Exception {
        String id = UUID.randomUUID().toString();
        ChunkedUpload.Answer answer = ChunkedUpload.sendJson(RestAssured.port, "POST", "/tables/secured",
                Map.of("ZUMO-API-VERSION", "2.0.0", "Authorization", "Bearer " + alice),
                "{\"id\":\"" + id + "\",\"text\":\"" + "y".repeat(20_000) + "\"}");

        assertThat(answer.status()).as(answer.body()).isEqualTo(201);
        zumo(alice).get("/tables/secured/" + id).then().statusCode(200);
    }

    @Test
    void chunkedBodiesOverTheLimitAreCutOffWhileTheyAreRead() throws Exception {
        // Signed in, and without a token where that is allowed: 64 MiB without Content-Length
        Map<String, Map<String, String>> callers = Map.of(
                "/tables/secured", Map.of("ZUMO-API-VERSION", "2.0.0", "Authorization", "Bearer " + alice),
                "/tables/" + ANONYMOUS_TABLE, Map.of("ZUMO-API-VERSION", "2.0.0"),
                "/sync/v1/devices/" + UUID.randomUUID() + "/push", Map.of());
        for (var caller : callers.entrySet()) {
            ChunkedUpload.Answer answer = ChunkedUpload.send(RestAssured.port, "POST", caller.getKey(),
                    caller.getValue(), 64L << 20);

            // Then the gateway stops at its limit (1 MiB by default) with the JSON error every client reads
            assertThat(answer.status()).as(caller.getKey()).isEqualTo(413);
            assertThat(JSON.readTree(answer.body()).path("error").asText()).as(caller.getKey())
                    .contains("larger than 1048576 bytes");
            assertThat(answer.bodyFinished()).as(caller.getKey()).isFalse();
            assertThat(answer.bytesSentBeforeAnswer()).as(caller.getKey()).isLessThan(16L << 20);
        }
    }

    @Test
    void aUserWithoutATablesReadRoleHearsNothingOfItsChanges() throws Exception {
        String staff = TestTokens.token("carol-" + UUID.randomUUID(), "staff");
        // Given Alice (no roles) and Carol (staff) following every table
        try (EventStreamClient aliceStream = EventStreamClient.open(events("alice-" + UUID.randomUUID(), ""), alice);
                EventStreamClient carolStream = EventStreamClient.open(events("carol-" + UUID.randomUUID(), ""),
                        staff)) {
            for (EventStreamClient stream : List.of(aliceStream, carolStream)) {
                assertThat(stream.status(Duration.ofSeconds(5))).isEqualTo(200);
                assertThat(stream.awaitEvent(e -> e.name().equals("ready"), Duration.ofSeconds(5))).isPresent();
            }
            Thread.sleep(300);

            // When Carol writes to the table only staff may read
            zumo(staff).contentType(ContentType.JSON)
                    .body("{\"text\":\"staff only\"}")
                    .post("/tables/staff_board")
                    .then()
                    .statusCode(201);

            // Then Carol's stream hears of it and Alice's does not
            assertThat(carolStream.awaitEvent(e -> e.data().contains("staff_board"), Duration.ofSeconds(5)))
                    .isPresent();
            assertThat(aliceStream.awaitEvent(e -> e.data().contains("staff_board"), Duration.ofMillis(1500)))
                    .isEmpty();
        }

        // And Alice may not follow that table by name
        try (EventStreamClient named = EventStreamClient.open(events("alice-" + UUID.randomUUID(), "staff_board"),
                alice)) {
            assertThat(named.status(Duration.ofSeconds(5))).isEqualTo(403);
        }
    }

    @Test
    void rotatingDeviceIdsDoesNotOpenMoreStreamsThanTheUsersCap() throws Exception {
        List<EventStreamClient> open = new ArrayList<>();
        try {
            // Given Alice holding the most streams a user may (6 in this profile), each on a new device
            for (int i = 0; i < 6; i++) {
                EventStreamClient stream = EventStreamClient.open(events("rotating-" + UUID.randomUUID(), ""), alice);
                open.add(stream);
                assertThat(stream.status(Duration.ofSeconds(5))).as("stream %d", i + 1).isEqualTo(200);
            }

            // Then one more on yet another device is a 429, while Bob may still open one
            try (EventStreamClient more = EventStreamClient.open(events("rotating-" + UUID.randomUUID(), ""),
                    alice)) {
                assertThat(more.status(Duration.ofSeconds(5))).isEqualTo(429);
            }
            try (EventStreamClient bobs = EventStreamClient.open(events("bob-" + UUID.randomUUID(), ""), bob)) {
                assertThat(bobs.status(Duration.ofSeconds(5))).isEqualTo(200);
            }
        } finally {
            open.forEach(EventStreamClient::close);
        }

        // And once they are closed, Alice may open streams again
        Thread.sleep(500);
        try (EventStreamClient again = EventStreamClient.open(events("rotating-" + UUID.randomUUID(), ""), alice)) {
            assertThat(again.status(Duration.ofSeconds(5))).isEqualTo(200);
        }
    }

    @Test
    void anotherUsersRecordsAndDevicesAnswerExactlyLikeAbsentOnes() throws Exception {
        // Given a row and a device of Bob's
        String table = freshTable("oracle");
        String bobsId = "bob-" + UUID.randomUUID();
        zumo(bob).contentType(ContentType.JSON)
                .body("{\"id\":\"" + bobsId + "\",\"text\":\"BOB SECRET\"}")
                .post("/tables/" + table)
                .then()
                .statusCode(201);
        String bobsDevice = "bobs-" + UUID.randomUUID();
        given().auth()
                .oauth2(bob)
                .contentType(ContentType.JSON)
                .body("{}")
                .put("/sync/v1/devices/" + bobsDevice)
                .then()
                .statusCode(200);
        String absentId = "absent-" + UUID.randomUUID();
        String absentDevice = "absent-" + UUID.randomUUID();

        // Then whatever Alice asks of them is answered as for ids nobody holds, in both table protocols
        for (String version : List.of("2.0.0", "3.0.0")) {
            for (String method : List.of("GET", "PATCH", "PUT", "DELETE")) {
                Response bobs = tableRequest(version, method, table, bobsId);
                Response absent = tableRequest(version, method, table, absentId);
                assertThat(bobs.statusCode()).as(version + " " + method)
                        .isEqualTo(absent.statusCode())
                        .isEqualTo(404);
                assertThat(bobs.asString().replace(bobsId, "ID"))
                        .as(version + " " + method)
                        .isEqualTo(absent.asString().replace(absentId, "ID"));
            }
        }
        for (String kind : List.of("update", "delete")) {
            JsonNode bobs = pushAsAlice(table, kind, bobsId);
            JsonNode absent = pushAsAlice(table, kind, absentId);
            assertThat(bobs.toString().replace(bobsId, "ID")).as(kind)
                    .isEqualTo(absent.toString().replace(absentId, "ID"));
        }
        Response bobsDeviceAnswer = given().auth().oauth2(alice).get("/sync/v1/devices/" + bobsDevice);
        Response absentDeviceAnswer = given().auth().oauth2(alice).get("/sync/v1/devices/" + absentDevice);
        assertThat(bobsDeviceAnswer.statusCode()).isEqualTo(absentDeviceAnswer.statusCode()).isEqualTo(404);
        assertThat(bobsDeviceAnswer.asString().replace(bobsDevice, "ID"))
                .isEqualTo(absentDeviceAnswer.asString().replace(absentDevice, "ID"));
    }

    private Response tableRequest(String version, String method, String table, String id) {
        RequestSpecification request = given().header("ZUMO-API-VERSION", version).auth().oauth2(alice);
        if (!method.equals("GET") && !method.equals("DELETE")) {
            request = request.contentType(ContentType.JSON).body("{\"id\":\"" + id + "\",\"text\":\"defaced\"}");
        }
        return request.request(method, "/tables/" + table + "/" + id);
    }

    private JsonNode pushAsAlice(String table, String kind, String id) throws Exception {
        String item = kind.equals("delete") ? "" : ",\"item\":{\"text\":\"defaced\"}";
        String answer = given().auth()
                .oauth2(alice)
                .contentType(ContentType.JSON)
                .body("{\"operations\":[{\"operationId\":\"1\",\"table\":\"" + table + "\",\"kind\":\"" + kind
                        + "\",\"id\":\"" + id + "\"" + item + "}]}")
                .post("/sync/v1/devices/{d}/push", "alice-" + UUID.randomUUID())
                .asString();
        return JSON.readTree(answer).path("results").path(0);
    }

    @Test
    void forwardedHostAndSchemeAreBelievedOnlyFromTrustedProxies() throws Exception {
        // Given more rows of Alice's than a page holds (50), so that the first page has a next link
        String table = freshTable("forwarded");
        StringBuilder operations = new StringBuilder();
        for (int i = 0; i < 51; i++) {
            operations.append(i == 0 ? "" : ",")
                    .append("{\"operationId\":\"")
                    .append(i)
                    .append("\",\"table\":\"")
                    .append(table)
                    .append("\",\"kind\":\"insert\",\"id\":\"row-")
                    .append(i)
                    .append("\",\"item\":{\"text\":\"row\"}}");
        }
        given().auth()
                .oauth2(alice)
                .contentType(ContentType.JSON)
                .body("{\"operations\":[" + operations + "]}")
                .post("/sync/v1/devices/{d}/push", "alice-" + UUID.randomUUID())
                .then()
                .statusCode(200);
        Map<String, String> forged = Map.of("ZUMO-API-VERSION", "2.0.0", "Authorization", "Bearer " + alice,
                "X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "https");
        String page = "/tables/" + table;

        // When a client that is no proxy of the gateway's sends forwarded headers, the next link ignores them
        ChunkedUpload.Answer direct = ChunkedUpload.get(RestAssured.port, "127.0.0.2", page, forged);
        assertThat(direct.status()).isEqualTo(200);
        assertThat(direct.header("Link")).startsWith("http://127.0.0.1:" + RestAssured.port + "/tables/")
                .doesNotContain("evil.example");

        // And from a trusted proxy (the loopback address, by default) it follows them
        ChunkedUpload.Answer proxied = ChunkedUpload.get(RestAssured.port, "127.0.0.1", page, forged);
        assertThat(proxied.status()).isEqualTo(200);
        assertThat(proxied.header("Link")).startsWith("https://evil.example/tables/");
    }

    @Test
    void healthChecksShowTheirDetailsToTheAdminOnly() throws Exception {
        String admin = TestTokens.token("root-" + UUID.randomUUID(), "admin");
        for (String path : List.of("/q/health", "/q/health/ready", "/q/health/ready/", "//q/health/ready",
                "/q/health/live", "/q/health/started", "/q/health/well", "/q/health/group")) {
            // A stranger and a signed-in user get the status of every check, nothing more
            for (Map<String, String> headers : List.of(Map.<String, String>of(),
                    Map.of("Authorization", "Bearer " + alice))) {
                ChunkedUpload.Answer answer = ChunkedUpload.get(RestAssured.port, "127.0.0.1", path, headers);
                assertThat(answer.status()).as(path).isIn(200, 503);
                JsonNode health = JSON.readTree(answer.body());
                assertThat(health.path("status").asText()).as(path).isIn("UP", "DOWN");
                assertThat(answer.body()).as(path).doesNotContain("bootstrap").doesNotContain("\"data\"");
            }
        }
        // An invalid token is a 401, as everywhere
        assertThat(ChunkedUpload.get(RestAssured.port, "127.0.0.1", "/q/health/ready",
                Map.of("Authorization", "Bearer not.a.token")).status()).isEqualTo(401);

        // The admin gets the details
        ChunkedUpload.Answer answer = ChunkedUpload.get(RestAssured.port, "127.0.0.1", "/q/health/ready",
                Map.of("Authorization", "Bearer " + admin));
        assertThat(answer.body()).contains("bootstrap.servers");
        JsonNode stranger = JSON.readTree(ChunkedUpload.get(RestAssured.port, "127.0.0.1", "/q/health/ready",
                Map.of()).body());
        assertThat(stranger.path("checks").size()).isEqualTo(JSON.readTree(answer.body()).path("checks").size());
    }

    @Test
    void malformedJsonIsRefusedAlikeOnEverySurfaceWithoutNamingTheParser() throws Exception {
        String table = freshTable("json");
        // Items as the attacker sent them: a duplicate key, trailing garbage, numbers beyond a double, NaN
        Map<String, String> items = Map.of(
                "duplicate key", "{\"text\":\"a\",\"text\":\"b\"}",
                "trailing garbage", "{\"text\":\"a\"}garbage",
                "a second value", "{\"text\":\"a\"} {\"text\":\"b\"}",
                "1e999", "{\"n\":1e999}",
                "-1e999 in an array", "{\"list\":[1,-1e999]}",
                "NaN", "{\"n\":NaN}",
                "Infinity", "{\"n\":Infinity}");
        for (var item : items.entrySet()) {
            for (String version : List.of("2.0.0", "3.0.0")) {
                Response table1 = given().header("ZUMO-API-VERSION", version)
                        .auth()
                        .oauth2(alice)
                        .contentType(ContentType.JSON)
                        .body(item.getValue())
                        .post("/tables/" + table);
                assertRefusedPlainly(item.getKey() + " on the table API " + version, table1);
            }
            boolean breaksTheBatch = item.getKey().contains("garbage") || item.getKey().contains("second");
            String batch = breaksTheBatch
                    ? "{\"operations\":[]}" + item.getValue().substring(item.getValue().indexOf('}') + 1)
                    : "{\"operations\":[{\"operationId\":\"1\",\"table\":\"" + table
                            + "\",\"kind\":\"insert\",\"item\":" + item.getValue() + "}]}";
            Response pushed = given().auth()
                    .oauth2(alice)
                    .contentType(ContentType.JSON)
                    .body(batch)
                    .post("/sync/v1/devices/{d}/push", "alice-" + UUID.randomUUID());
            assertRefusedPlainly(item.getKey() + " on the native API", pushed);
        }
        // Nothing was stored
        zumo(alice).get("/tables/" + table).then().statusCode(200).body("size()", org.hamcrest.Matchers.is(0));
    }

    private static void assertRefusedPlainly(String attempt, Response answer) {
        assertThat(answer.statusCode()).as(attempt).isEqualTo(400);
        // The table protocol's clients read "error", problem+json readers "detail"
        String error = Optional.ofNullable(answer.jsonPath().getString("error"))
                .orElse(answer.jsonPath().getString("detail"));
        assertThat(error).as(attempt)
                .isNotBlank()
                .doesNotContain("CLIENT_ERROR")
                .doesNotContain("Feature")
                .doesNotContain("com.fasterxml")
                .doesNotContain("`")
                .doesNotContain("Infinity\"");
    }

    @Test
    void aUsersColumnsAreNeitherShownToNorFixedForNorBudgetedAgainstAnother() throws Exception {
        String table = freshTable("schema");
        // Given Bob's rows with columns of his own: a telling name, a number, and 400 more names (the table budget is
        // 256 columns)
        zumo(bob).contentType(ContentType.JSON)
                .body("{\"text\":\"b\",\"diagnosis_hiv_positive\":true,\"score\":5}")
                .post("/tables/" + table)
                .then()
                .statusCode(201);
        for (int item = 0; item < 2; item++) {
            StringBuilder columns = new StringBuilder("{\"text\":\"filler\"");
            for (int i = 0; i < 200; i++) {
                columns.append(",\"bob_").append(item).append('_').append(i).append("\":1");
            }
            zumo(bob).contentType(ContentType.JSON)
                    .body(columns.append('}').toString())
                    .post("/tables/" + table)
                    .then()
                    .statusCode(201);
        }

        // When Alice writes a column of her own, and a text where Bob keeps a number
        Response inserted = zumo(alice).contentType(ContentType.JSON)
                .body("{\"text\":\"a\",\"score\":\"high\",\"alice_only\":1}")
                .post("/tables/" + table);

        // Then neither Bob's budget nor his types stand in her way, and nothing she gets names his columns
        assertThat(inserted.statusCode()).as(inserted.asString()).isEqualTo(201);
        for (String version : List.of("2.0.0", "3.0.0")) {
            String listed = given().header("ZUMO-API-VERSION", version)
                    .auth()
                    .oauth2(alice)
                    .queryParam("__includeDeleted", "true")
                    .get("/tables/" + table)
                    .asString();
            assertThat(listed).as(version).contains("alice_only").doesNotContain("diagnosis").doesNotContain("bob_");
        }
        assertThat(inserted.asString()).doesNotContain("diagnosis").doesNotContain("bob_");
        assertThat(zumo(alice).queryParam("$filter", "score eq 'high'")
                .get("/tables/" + table)
                .jsonPath()
                .getList("text")).containsExactly("a");
        assertThat(zumo(bob).queryParam("$filter", "score gt 3")
                .get("/tables/" + table)
                .jsonPath()
                .getList("text")).containsExactly("b");
        // And a column nobody wrote is one no row has, not an error that would tell which exist
        assertThat(zumo(alice).queryParam("$filter", "diagnosis_hiv_positive eq true")
                .get("/tables/" + table)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("text")).isEmpty();
        assertThat(zumo(alice).queryParam("$filter", "never_written eq true")
                .get("/tables/" + table)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("text")).isEmpty();
    }

    /** A table name no other test uses: auto-created by its first write. */
    private static String freshTable(String prefix) {
        return prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private static URI events(String device, String tables) {
        return URI.create("http://localhost:" + RestAssured.port + "/sync/v1/devices/" + device + "/events"
                + (tables.isEmpty() ? "" : "?tables=" + tables));
    }

    private static RequestSpecification zumo(String token) {
        RequestSpecification request = given().header("ZUMO-API-VERSION", "2.0.0");
        return token == null ? request : request.header("Authorization", "Bearer " + token);
    }
}
