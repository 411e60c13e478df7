package io.edgesync.centralapi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.edgesync.testsupport.AnonymousOff;
import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The central role's API for edges ({@code GET /central/v1/tables/{table}/rows}): a table's master rows in position
 * order, paged and resumable, filtered by an OData filter or by owners, for callers with the edges' role only.
 */
@QuarkusTest
@TestProfile(AnonymousOff.class)
@WithTestResource(InfrastructureResource.class)
class MasterRowsTest {

    private static final String EDGE = TestTokens.token("edge-north", "edge");

    private static String newTable() {
        return "rows_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private static void insert(String user, String table, String id, String region) {
        given().header("ZUMO-API-VERSION", "2.0.0")
                .header("X-ZUMO-AUTH", TestTokens.token(user))
                .contentType(ContentType.JSON)
                .body(Map.of("id", id, "region", region))
                .post("/tables/" + table)
                .then()
                .statusCode(201);
    }

    private static void update(String user, String table, String id, String region) {
        given().header("ZUMO-API-VERSION", "2.0.0")
                .header("X-ZUMO-AUTH", TestTokens.token(user))
                .contentType(ContentType.JSON)
                .body(Map.of("region", region))
                .patch("/tables/" + table + "/" + id)
                .then()
                .statusCode(200);
    }

    private static Response page(String table, Map<String, Object> query) {
        return given().header("Authorization", "Bearer " + EDGE)
                .queryParams(query)
                .get("/central/v1/tables/" + table + "/rows");
    }

    /** Every row of {@code table} matching {@code query}, following the pages. */
    private static List<Map<String, Object>> all(String table, Map<String, Object> query) {
        List<Map<String, Object>> rows = new ArrayList<>();
        Object after = 0;
        for (int pages = 0; pages < 100 && after != null; pages++) {
            Map<String, Object> paged = new java.util.HashMap<>(query);
            paged.put("after", after);
            Response answer = page(table, paged);
            answer.then().statusCode(200);
            rows.addAll(answer.jsonPath().getList("rows"));
            after = answer.jsonPath().get("next");
        }
        return rows;
    }

    private static void awaitAtCentral(String table, int rows) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> all(table, Map.of()).size() == rows);
    }

    @Test
    void anEdgeReadsEveryMasterRowInPositionOrderPageByPage() {
        // Given five rows written by two users through an edge, and central holding them
        String table = newTable();
        for (int i = 0; i < 5; i++) {
            insert(i % 2 == 0 ? "alice" : "bob", table, "r" + i, i < 3 ? "north" : "south");
        }
        awaitAtCentral(table, 5);

        // When the edge pages through them two at a time
        List<Map<String, Object>> rows = all(table, Map.of("limit", 2));

        // Then it gets each row once, in position order, with its data, version, owner and position
        assertThat(rows).extracting(row -> row.get("id")).containsExactlyInAnyOrder("r0", "r1", "r2", "r3", "r4");
        List<Long> positions = rows.stream().map(row -> ((Number) row.get("position")).longValue()).toList();
        assertThat(positions).isSorted().doesNotHaveDuplicates();
        Map<String, Object> first = rows.stream().filter(row -> row.get("id").equals("r0")).findFirst().orElseThrow();
        assertThat(first).containsEntry("owner", "alice")
                .containsEntry("deleted", false)
                .containsKeys("version",
                        "createdAt", "updatedAt");
        assertThat(first.get("data")).isEqualTo(Map.of("region", "north"));
    }

    @Test
    void aFilterOrOwnersGiveTheRowsOfAScopeOnly() {
        // Given rows of two regions and three users, one of whom has a comma in their id
        String table = newTable();
        insert("alice", table, "n1", "north");
        insert("bob", table, "n2", "north");
        insert("alice", table, "s1", "south");
        insert("dave,alice", table, "s2", "south");
        awaitAtCentral(table, 4);

        // When the edge asks for a region, for some users' rows (one parameter each), or for the user with the comma
        List<Map<String, Object>> north = all(table, Map.of("filter", "region eq 'north'"));
        List<Map<String, Object>> alices = all(table, Map.of("owners", List.of("alice", "carol")));
        List<Map<String, Object>> daves = all(table, Map.of("owners", "dave,alice"));

        // Then it gets exactly those: a user id is never split (it would hand the edge Alice's rows too)
        assertThat(north).extracting(row -> row.get("id")).containsExactlyInAnyOrder("n1", "n2");
        assertThat(alices).extracting(row -> row.get("id")).containsExactlyInAnyOrder("n1", "s1");
        assertThat(daves).extracting(row -> row.get("id")).containsExactly("s2");
    }

    @Test
    void aRowChangedWhileAnEdgePagesIsReadAgainAfterItsNewPosition() {
        // Given two rows, and an edge that read the first page (one row)
        String table = newTable();
        insert("alice", table, "a", "north");
        insert("alice", table, "b", "north");
        awaitAtCentral(table, 2);
        Response first = page(table, Map.of("limit", 1));
        String firstId = first.jsonPath().getString("rows[0].id");
        long next = first.jsonPath().getLong("next");

        // When that row changes before the edge asks for the next page
        update("alice", table, firstId, "south");
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> all(table, Map.of("filter", "region eq 'south'")).size() == 1);

        // Then the rest of the pages holds the other row and the changed one, with its new state
        List<Map<String, Object>> rest = all(table, Map.of("after", next));
        assertThat(rest).extracting(row -> row.get("id")).contains(firstId, firstId.equals("a") ? "b" : "a");
        assertThat(rest.stream().filter(row -> row.get("id").equals(firstId)).findFirst().orElseThrow().get("data"))
                .isEqualTo(Map.of("region", "south"));
    }

    @Test
    void onlyEdgesMayReadAndBadRequestsAreClear() {
        String table = newTable();
        // When a device's token, or no token, asks
        given().header("Authorization", "Bearer " + TestTokens.token("alice"))
                .get("/central/v1/tables/" + table
                        + "/rows")
                .then()
                .statusCode(403);
        given().get("/central/v1/tables/" + table + "/rows").then().statusCode(401);
        // Then it is refused; and an edge's bad filter, position or limit is a 400 saying so
        assertThat(page(table, Map.of("filter", "region eq")).statusCode()).isEqualTo(400);
        assertThat(page(table, Map.of("after", -1)).statusCode()).isEqualTo(400);
        assertThat(page(table, Map.of("limit", 0)).statusCode()).isEqualTo(400);
        assertThat(page(table, Map.of("limit", 5001)).jsonPath().getString("detail")).contains("limit");
    }
}
