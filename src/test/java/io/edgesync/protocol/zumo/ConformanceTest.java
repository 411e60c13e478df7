package io.edgesync.protocol.zumo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

import static io.edgesync.protocol.zumo.ZumoClient.V2;
import static io.edgesync.protocol.zumo.ZumoClient.V3;
import static io.edgesync.protocol.zumo.ZumoClient.asMaps;
import static io.edgesync.protocol.zumo.ZumoClient.assertEtagOk;
import static io.edgesync.protocol.zumo.ZumoClient.assertItemResponse;
import static io.edgesync.protocol.zumo.ZumoClient.assertListResponse;
import static io.edgesync.protocol.zumo.ZumoClient.assertSameItem;
import static io.edgesync.protocol.zumo.ZumoClient.assertSuccessBody;
import static io.edgesync.protocol.zumo.ZumoClient.assertSystemProperties;
import static io.edgesync.protocol.zumo.ZumoClient.assertV2Error;
import static io.edgesync.protocol.zumo.ZumoClient.assertV2ItemDoesNotExist;
import static io.edgesync.protocol.zumo.ZumoClient.createdAt;
import static io.edgesync.protocol.zumo.ZumoClient.deleteV2;
import static io.edgesync.protocol.zumo.ZumoClient.etagOf;
import static io.edgesync.protocol.zumo.ZumoClient.freshTable;
import static io.edgesync.protocol.zumo.ZumoClient.hexId;
import static io.edgesync.protocol.zumo.ZumoClient.ids;
import static io.edgesync.protocol.zumo.ZumoClient.insertManyV2;
import static io.edgesync.protocol.zumo.ZumoClient.insertV2;
import static io.edgesync.protocol.zumo.ZumoClient.insertV3;
import static io.edgesync.protocol.zumo.ZumoClient.jsc;
import static io.edgesync.protocol.zumo.ZumoClient.json;
import static io.edgesync.protocol.zumo.ZumoClient.list;
import static io.edgesync.protocol.zumo.ZumoClient.object;
import static io.edgesync.protocol.zumo.ZumoClient.patchV2;
import static io.edgesync.protocol.zumo.ZumoClient.pct;
import static io.edgesync.protocol.zumo.ZumoClient.queryParameters;
import static io.edgesync.protocol.zumo.ZumoClient.raw;
import static io.edgesync.protocol.zumo.ZumoClient.readV2;
import static io.edgesync.protocol.zumo.ZumoClient.readV3;
import static io.edgesync.protocol.zumo.ZumoClient.uniqueId;
import static io.edgesync.protocol.zumo.ZumoClient.updatedAt;
import static io.edgesync.protocol.zumo.ZumoClient.v2;
import static io.edgesync.protocol.zumo.ZumoClient.v3;
import static io.edgesync.protocol.zumo.ZumoClient.version;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The 57 conformance cases of docs/protocol.md section 8, with the gateway rules of Appendix B, against the real
 * application, PostgreSQL and Kafka. Tests share one database and run in any order: each creates its own rows with
 * unique ids, and every test whose result depends on how many rows a table holds uses a fresh table of its own.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class ConformanceTest {

    private static final String TODOITEM = "todoitem";

    /** The 120 live rows of cases 27-29, written once and only read afterwards. */
    private static RowsFixture rows120;

    // ---- 1-4: version detection and CORS ----------------------------------------------------------------------------

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

    // ---- 5-11: v2 insert ------------------------------------------------------------------------------------------

    @Test
    void case05_insertReturns201WithSystemPropertiesAndStrongEtag() {
        // Given a new id
        String id = uniqueId("a1");

        // When a v2 client inserts it
        Response response = v2().contentType(ContentType.JSON)
                .body(object("id", id, "text", "x", "complete", false).toString())
                .when()
                .post("/tables/todoitem");

        // Then the stored item comes back with its system properties and a strong ETag
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(201);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        assertThat(item.path("id").asText()).isEqualTo(id);
        assertThat(item.path("text").asText()).isEqualTo("x");
        assertThat(item.path("complete").isBoolean()).as("complete is a boolean").isTrue();
        assertThat(item.path("complete").asBoolean()).isFalse();
        assertThat(item.path("deleted").asBoolean(true)).as("deleted").isFalse();
        assertThat(item.path("createdAt").asText()).as("createdAt").isEqualTo(item.path("updatedAt").asText());
    }

    @Test
    void case06_insertWithoutIdGeneratesNonEmptyStringId() {
        // When a v2 client inserts an item without id
        Response response = v2().contentType(ContentType.JSON)
                .body(object("text", "no id").toString())
                .when()
                .post("/tables/todoitem");

        // Then the server assigns a non-empty string id and stores the item under it
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(201);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        assertThat(item.path("id").isTextual()).as("id is a string").isTrue();
        assertThat(item.path("id").asText()).isNotBlank();
        assertThat(readV2(TODOITEM, item.path("id").asText()).path("text").asText()).isEqualTo("no id");
    }

    @Test
    void case07_insertOfExistingIdReturns409WithCurrentServerRowAndItsEtag() {
        // Given a stored row that was changed after its insert
        String id = uniqueId("a1");
        insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));
        JsonNode current = patchV2(TODOITEM, id, object("id", id, "text", "stored"));

        // When a client inserts the same id again with other content
        Response response = v2().contentType(ContentType.JSON)
                .body(object("id", id, "text", "request", "complete", true).toString())
                .when()
                .post("/tables/todoitem");

        // Then 409 answers with the current stored row (not the request) and its ETag
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(409);
        JsonNode body = json(response);
        assertSameItem(body, current);
        assertThat(body.path("text").asText()).isEqualTo("stored");
        assertThat(response.header("ETag")).isEqualTo(etagOf(version(current)));
    }

    @Test
    void case08_insertOfSoftDeletedIdReturns409WithTombstone() {
        // Given a soft-deleted row
        String id = uniqueId("a1");
        insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));
        JsonNode tombstone = deleteV2(TODOITEM, id);

        // When a client inserts that id again
        Response response = v2().contentType(ContentType.JSON)
                .body(object("id", id, "text", "again", "complete", false).toString())
                .when()
                .post("/tables/todoitem");

        // Then 409 answers with the tombstone
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(409);
        JsonNode body = json(response);
        assertThat(body.path("deleted").isBoolean()).as("deleted is a boolean").isTrue();
        assertThat(body.path("deleted").asBoolean()).as("deleted").isTrue();
        assertSameItem(body, tombstone);
        assertEtagOk(response, body);
    }

    @Test
    void case09_truncatedJsonBodyReturns400WithErrorString() {
        // When the body is not complete JSON
        Response response = v2().contentType(ContentType.JSON)
                .body("{\"text\":")
                .when()
                .post("/tables/todoitem");

        // Then 400 with {"error": "..."}
        assertV2Error(response, 400);
    }

    @Test
    void case10_arrayBodyReturns400AndStoresNothing() {
        // When the body is an array instead of an object
        String id = uniqueId("z");
        Response response = v2().contentType(ContentType.JSON)
                .body("[{\"id\":\"" + id + "\"}]")
                .when()
                .post("/tables/todoitem");

        // Then 400, and nothing was stored
        assertV2Error(response, 400);
        assertV2ItemDoesNotExist(v2().when().get("/tables/todoitem/{id}", id));
    }

    @Test
    void case11_insertIgnoresClientUpdatedAtAndVersion() {
        // Given a body that carries its own updatedAt and version
        String id = uniqueId("a2");
        Instant before = Instant.now();

        // When it is inserted
        Response response = v2().contentType(ContentType.JSON)
                .body(object("id", id, "updatedAt", "2000-01-01T00:00:00.000Z", "version", "abc").toString())
                .when()
                .post("/tables/todoitem");
        Instant after = Instant.now();

        // Then updatedAt is the server's time and the version the server's own
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(201);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        assertThat(updatedAt(item)).isBetween(before.minusSeconds(60), after.plusSeconds(60));
        assertThat(version(item)).isNotEqualTo("abc");
        // And the declared columns the body left out are present as nulls
        assertThat(item.has("text")).as("text present: %s", item).isTrue();
        assertThat(item.path("text").isNull()).as("text is null: %s", item).isTrue();
        assertThat(item.has("complete")).as("complete present: %s", item).isTrue();
        assertThat(item.path("complete").isNull()).as("complete is null: %s", item).isTrue();
    }

    // ---- 12-13: v2 read by id -------------------------------------------------------------------------------------

    @Test
    void case12_readByIdReturnsFullItemWithEtag() {
        // Given a stored row
        String id = uniqueId("a1");
        JsonNode inserted = insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));

        // When it is read by id
        Response response = v2().when().get("/tables/todoitem/{id}", id);

        // Then the full item comes back, unchanged by the read, with "ETag ok"
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        assertThat(fieldNames(item)).contains("id", "text", "complete", "createdAt", "updatedAt", "version",
                "deleted");
        assertSameItem(item, inserted);
    }

    @Test
    void case13_readOfAbsentIdReturns404ItemDoesNotExist() {
        // When an id that was never written is read
        Response response = v2().when().get("/tables/todoitem/{id}", uniqueId("nope"));

        // Then 404 {"error":"The item does not exist"}
        assertV2ItemDoesNotExist(response);
    }

    // ---- 14-21: v2 update -----------------------------------------------------------------------------------------

    @Test
    void case14_patchWithCurrentIfMatchMergesChangesAndBumpsVersion() {
        // Given a stored row
        String id = uniqueId("a1");
        JsonNode before = insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));

        // When a client patches text with the current version in If-Match
        Response response = v2().contentType(ContentType.JSON)
                .header("If-Match", etagOf(version(before)))
                .body(object("id", id, "text", "y").toString())
                .when()
                .patch("/tables/todoitem/{id}", id);

        // Then text changes, the other columns stay, and version and updatedAt move on
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        assertThat(item.path("id").asText()).isEqualTo(id);
        assertThat(item.path("text").asText()).isEqualTo("y");
        assertThat(item.path("complete").isBoolean()).as("complete is a boolean").isTrue();
        assertThat(item.path("complete").asBoolean()).isFalse();
        assertThat(item.path("deleted").asBoolean(true)).isFalse();
        assertThat(createdAt(item)).isEqualTo(createdAt(before));
        assertThat(version(item)).isNotEqualTo(version(before));
        assertThat(updatedAt(item)).isAfter(updatedAt(before));
    }

    @Test
    void case15_patchWithStaleIfMatchReturns412WithCurrentRow() {
        // Given a row whose first version is stale
        String id = uniqueId("a1");
        JsonNode first = insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));
        JsonNode current = patchV2(TODOITEM, id, object("id", id, "text", "second"));

        // When a client patches with the stale version in If-Match
        Response response = v2().contentType(ContentType.JSON)
                .header("If-Match", etagOf(version(first)))
                .body(object("id", id, "text", "third").toString())
                .when()
                .patch("/tables/todoitem/{id}", id);

        // Then 412 with the current row and its ETag, and nothing changed
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(412);
        JsonNode body = json(response);
        assertSameItem(body, current);
        assertThat(response.header("ETag")).isEqualTo(etagOf(version(current)));
        assertSameItem(readV2(TODOITEM, id), current);
    }

    @Test
    void case16_patchWithStaleBodyVersionAndNoIfMatchReturns409WithCurrentRow() {
        // Given a row whose first version is stale
        String id = uniqueId("a1");
        JsonNode first = insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));
        JsonNode current = patchV2(TODOITEM, id, object("id", id, "text", "second"));

        // When a client patches with the stale version in the body and no If-Match
        Response response = v2().contentType(ContentType.JSON)
                .body(object("text", "z", "version", version(first)).toString())
                .when()
                .patch("/tables/todoitem/{id}", id);

        // Then 409 (not 412) with the current row, and nothing changed
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(409);
        JsonNode body = json(response);
        assertSameItem(body, current);
        assertEtagOk(response, body);
        assertSameItem(readV2(TODOITEM, id), current);
    }

    @Test
    void case17_patchWithoutAnyVersionIsUnconditional() {
        // Given a row that was changed after its insert
        String id = uniqueId("a1");
        JsonNode first = insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));
        patchV2(TODOITEM, id, object("id", id, "text", "second"));

        // When a client patches without If-Match and without a body version
        Response response = v2().contentType(ContentType.JSON)
                .body(object("text", "w").toString())
                .when()
                .patch("/tables/todoitem/{id}", id);

        // Then the write is applied
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        assertThat(item.path("text").asText()).isEqualTo("w");
        assertThat(version(item)).isNotEqualTo(version(first));
    }

    @Test
    void case18_patchWithBodyIdDifferentFromUrlIdReturns400() {
        // Given a stored row
        String id = uniqueId("a1");
        JsonNode stored = insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));

        // When the body names another id
        Response response = v2().contentType(ContentType.JSON)
                .body(object("id", uniqueId("other")).toString())
                .when()
                .patch("/tables/todoitem/{id}", id);

        // Then 400, and the row is unchanged
        assertV2Error(response, 400);
        assertSameItem(readV2(TODOITEM, id), stored);
    }

    @Test
    void case19_patchOfAbsentIdReturns404WithOrWithoutIfMatch() {
        String id = uniqueId("nope");

        // When an absent id is patched without If-Match, then 404
        assertV2ItemDoesNotExist(v2().contentType(ContentType.JSON)
                .body(object("id", id, "text", "y").toString())
                .when()
                .patch("/tables/todoitem/{id}", id));

        // When an absent id is patched with If-Match, then 404 too
        assertV2ItemDoesNotExist(v2().contentType(ContentType.JSON)
                .header("If-Match", "\"AAAAAAAAB9E=\"")
                .body(object("id", id, "text", "y").toString())
                .when()
                .patch("/tables/todoitem/{id}", id));
    }

    @Test
    void case20_patchOfSoftDeletedRowReturns404() {
        // Given a soft-deleted row
        String id = uniqueId("a1");
        insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));
        JsonNode tombstone = deleteV2(TODOITEM, id);

        // When it is patched, with or without the tombstone's version, then 404
        assertV2Error(v2().contentType(ContentType.JSON)
                .body(object("id", id, "text", "y").toString())
                .when()
                .patch("/tables/todoitem/{id}", id), 404);
        assertV2Error(v2().contentType(ContentType.JSON)
                .header("If-Match", etagOf(version(tombstone)))
                .body(object("id", id, "text", "y").toString())
                .when()
                .patch("/tables/todoitem/{id}", id), 404);
    }

    @Test
    void case21_patchWithWeakIfMatchReturns412() {
        // Given a stored row
        String id = uniqueId("a1");
        JsonNode current = insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));

        // When a client patches with a weak ETag of the current version
        Response response = v2().contentType(ContentType.JSON)
                .header("If-Match", "W/" + etagOf(version(current)))
                .body(object("id", id, "text", "y").toString())
                .when()
                .patch("/tables/todoitem/{id}", id);

        // Then a weak tag never matches: 412 with the current row, which is unchanged
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(412);
        assertSameItem(json(response), current);
        assertSameItem(readV2(TODOITEM, id), current);
    }

    // ---- 22-26: v2 delete and undelete ----------------------------------------------------------------------------

    @Test
    void case22_deleteWithCurrentIfMatchReturns200WithTombstoneAndEtag() {
        // Given a stored row
        String id = uniqueId("a1");
        JsonNode before = insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));

        // When it is deleted with its current version
        Response response = v2().header("If-Match", etagOf(version(before)))
                .when()
                .delete("/tables/todoitem/{id}", id);

        // Then 200 with the final item: deleted, new version, later updatedAt
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        assertThat(item.path("id").asText()).isEqualTo(id);
        assertThat(item.path("deleted").asBoolean()).as("deleted").isTrue();
        assertThat(item.path("text").asText()).isEqualTo("x");
        assertThat(version(item)).isNotEqualTo(version(before));
        assertThat(updatedAt(item)).isAfter(updatedAt(before));
    }

    @Test
    void case23_secondDeleteOfSameRowReturns404() {
        // Given a soft-deleted row
        String id = uniqueId("a1");
        insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));
        deleteV2(TODOITEM, id);

        // When it is deleted again, then 404
        assertV2Error(v2().when().delete("/tables/todoitem/{id}", id), 404);
    }

    @Test
    void case24_deleteWithStaleIfMatchReturns412WithCurrentLiveRow() {
        // Given a row whose first version is stale
        String id = uniqueId("b1");
        JsonNode first = insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));
        JsonNode current = patchV2(TODOITEM, id, object("id", id, "text", "second"));

        // When it is deleted with the stale version
        Response response = v2().header("If-Match", etagOf(version(first)))
                .when()
                .delete("/tables/todoitem/{id}", id);

        // Then 412 with the current, still live row
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(412);
        JsonNode body = json(response);
        assertSameItem(body, current);
        assertThat(body.path("deleted").isBoolean()).as("deleted is a boolean").isTrue();
        assertThat(body.path("deleted").asBoolean()).isFalse();
        assertEtagOk(response, body);
        assertSameItem(readV2(TODOITEM, id), current);
    }

    @Test
    void case25_deleteOfAbsentIdReturns404ItemDoesNotExist() {
        assertV2ItemDoesNotExist(v2().when().delete("/tables/todoitem/{id}", uniqueId("nope")));
    }

    @Test
    void case26_undeleteRestoresSoftDeletedRowWithNewVersion() {
        // Given a soft-deleted row
        String id = uniqueId("a1");
        insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));
        JsonNode tombstone = deleteV2(TODOITEM, id);

        // When a client undeletes it as the .NET client does (If-Match, no body)
        Response response = v2().noContentType()
                .header("If-Match", etagOf(version(tombstone)))
                .when()
                .post("/tables/todoitem/{id}", id);

        // Then the row is live again with a new version
        assertThat(response.statusCode()).as("status of %s", response.asString()).isBetween(200, 299);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        assertThat(item.path("id").asText()).isEqualTo(id);
        assertThat(item.path("deleted").asBoolean(true)).as("deleted").isFalse();
        assertThat(item.path("text").asText()).isEqualTo("x");
        assertThat(version(item)).isNotEqualTo(version(tombstone));
        assertThat(updatedAt(item)).isAfter(updatedAt(tombstone));
        assertThat(readV2(TODOITEM, id).path("deleted").asBoolean(true)).isFalse();
    }

    // ---- 27-32: v2 queries, paging, counting, errors --------------------------------------------------------------

    @Test
    void case27_listWithoutTopReturnsFirstPageOrderedByIdWithLinkHeader() {
        // Given a table with 120 live rows
        RowsFixture rows = rows120();

        // When it is listed without $top
        Response response = list(V2, rows.table(), "");

        // Then the first 50 rows by id come back with a Link to the rest
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        JsonNode items = json(response);
        assertListResponse(response, items);
        assertThat(ids(items)).containsExactlyElementsOf(rows.ids().subList(0, 50));
        String next = assertNextLink(response, rows.table(), 50);
        assertThat(queryParameters(next)).as("Link query").doesNotContainKey("$top");
    }

    @Test
    void case27b_followingLinkHeadersWalksEveryRowOnceAndEndsWithoutLink() {
        // Given a table with 120 live rows and its first page
        RowsFixture rows = rows120();
        Response first = list(V2, rows.table(), "");
        assertThat(first.statusCode()).isEqualTo(200);

        // When a client follows the Link headers as the .NET client does
        Response second = raw(V2).when().get(assertNextLink(first, rows.table(), 50));
        assertThat(second.statusCode()).as("status of %s", second.asString()).isEqualTo(200);
        Response third = raw(V2).when().get(assertNextLink(second, rows.table(), 100));
        assertThat(third.statusCode()).as("status of %s", third.asString()).isEqualTo(200);

        // Then the pages hold rows 50-99 and 100-119 in id order, and the last page has no Link
        assertListResponse(second, json(second));
        assertListResponse(third, json(third));
        assertThat(ids(json(second))).containsExactlyElementsOf(rows.ids().subList(50, 100));
        assertThat(ids(json(third))).containsExactlyElementsOf(rows.ids().subList(100, 120));
        assertThat(third.header("Link")).as("Link on the last page").isNull();
    }

    @Test
    void case27c_linkHeaderKeepsTheOriginalQueryParameters() {
        // Given a table with 120 rows of which 60 are incomplete
        RowsFixture rows = rows120();

        // When the incomplete ones are listed without $top
        Response response = list(V2, rows.table(), "$filter=" + jsc("(complete eq false)") + "&__includeDeleted=true");

        // Then the Link carries the filter and the tombstone flag, and leads to the last 10
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        assertThat(ids(json(response))).containsExactlyElementsOf(rows.incompleteIds().subList(0, 50));
        String next = assertNextLink(response, rows.table(), 50);
        Map<String, String> parameters = queryParameters(next);
        assertThat(parameters).containsEntry("$filter", "(complete eq false)")
                .containsEntry("__includeDeleted", "true")
                .containsEntry("$skip", "50")
                .doesNotContainKey("$top");
        Response last = raw(V2).when().get(next);
        assertThat(last.statusCode()).as("status of %s", last.asString()).isEqualTo(200);
        assertThat(ids(json(last))).containsExactlyElementsOf(rows.incompleteIds().subList(50, 60));
        assertThat(last.header("Link")).as("Link on the last page").isNull();
    }

    @Test
    void case28_listWithTopBelowPageSizeReturnsThatManyRowsWithoutLink() {
        // Given a table with 120 live rows
        RowsFixture rows = rows120();

        // When 20 rows are asked for
        Response response = list(V2, rows.table(), "$top=20");

        // Then exactly the first 20 come back and there is no Link: the client's own $top cut the page
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        JsonNode items = json(response);
        assertListResponse(response, items);
        assertThat(ids(items)).containsExactlyElementsOf(rows.ids().subList(0, 20));
        assertThat(response.header("Link")).as("Link").isNull();
    }

    @Test
    void case29_topAboveMaxIsClampedToPageSizeWithLinkCarryingRemainingTop() {
        // Given a table with 120 live rows
        RowsFixture rows = rows120();

        // When 5000 rows are asked for (above max $top 1000)
        Response response = list(V2, rows.table(), "$top=5000");

        // Then 50 rows come back with a Link for the rest: $skip=50 and $top=4950
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        JsonNode items = json(response);
        assertListResponse(response, items);
        assertThat(ids(items)).containsExactlyElementsOf(rows.ids().subList(0, 50));
        String next = assertNextLink(response, rows.table(), 50);
        assertThat(queryParameters(next)).containsEntry("$skip", "50").containsEntry("$top", "4950");
    }

    @Test
    void case29b_followingClampedLinksWalksEveryRowOnce() {
        // Given a table with 120 live rows and a clamped first page
        RowsFixture rows = rows120();
        Response first = list(V2, rows.table(), "$top=5000");
        assertThat(first.statusCode()).isEqualTo(200);

        // When the Link headers are followed
        Response second = raw(V2).when().get(assertNextLink(first, rows.table(), 50));
        assertThat(second.statusCode()).as("status of %s", second.asString()).isEqualTo(200);
        String secondNext = assertNextLink(second, rows.table(), 100);
        assertThat(queryParameters(secondNext)).containsEntry("$skip", "100").containsEntry("$top", "4900");
        Response third = raw(V2).when().get(secondNext);
        assertThat(third.statusCode()).as("status of %s", third.asString()).isEqualTo(200);

        // Then every row is read once, in id order, and the last page has no Link
        assertThat(ids(json(second))).containsExactlyElementsOf(rows.ids().subList(50, 100));
        assertThat(ids(json(third))).containsExactlyElementsOf(rows.ids().subList(100, 120));
        assertThat(third.header("Link")).as("Link on the last page").isNull();
    }

    @Test
    void case30_inlineCountReturnsResultsAndTotalOfMatchingLiveRows() {
        // Given a fresh table with 8 live rows t01..t08 and a tombstone t99
        String table = freshTable();
        List<String> idsByText = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            String text = String.format("t%02d", i);
            idsByText.add(insertV2(table, object("id", uniqueId(text), "text", text, "complete", false))
                    .path("id")
                    .asText());
        }
        String deletedId = insertV2(table, object("id", uniqueId("t99"), "text", "t99", "complete", false))
                .path("id")
                .asText();
        deleteV2(table, deletedId);

        // When page 2..4 by text descending is asked for with an inline count
        Response response = list(V2, table, "$top=3&$skip=2&$inlinecount=allpages&$orderby=" + jsc("text desc"));

        // Then {"results": [t06, t05, t04], "count": 8}
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        JsonNode body = json(response);
        assertSuccessBody(response, body);
        assertThat(fieldNames(body)).containsExactlyInAnyOrder("results", "count");
        assertThat(body.path("count").isIntegralNumber()).as("count is an integer: %s", body).isTrue();
        assertThat(body.path("count").asLong()).isEqualTo(8);
        body.path("results").forEach(ZumoClient::assertSystemProperties);
        assertThat(ids(body.path("results"))).containsExactly(idsByText.get(5), idsByText.get(4),
                idsByText.get(3));
    }

    @Test
    void case31_unparseableFilterReturns400WithError() {
        assertV2Error(list(V2, TODOITEM, "$filter=" + jsc("text eqq 'x'")), 400);
    }

    @Test
    void case32_filterOnUnknownColumnReturns400() {
        // On a table whose rows everyone shares, the schema is shared too: a column it does not have is an error
        assertV2Error(list(V2, "shared_board", "$filter=" + jsc("nosuch eq 1")), 400);
    }

    @Test
    void case32_onATableWithRowsPerUserAColumnNoRowHasMatchesAsNull() {
        // Undeclared columns there are the rows' own (README, security): a 400 would tell another user's column
        Response response = list(V2, TODOITEM, "$filter=" + jsc("nosuch eq 1"));
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        assertThat(json(response)).isEmpty();
    }

    // ---- 33-42: v2 incremental pull and tombstones ----------------------------------------------------------------

    @Test
    void case33_jscFirstPullReturnsAllRowsIncludingTombstonesOrderedByUpdatedAt() {
        // Given a fresh table: a, b, c, d inserted, then a updated, then b deleted
        PullFixture rows = pullFixture();

        // When the JS client runs its first pull (watermark 1969-12-31T08:00 in PST)
        Response response = list(V2, rows.table(), "$filter=(updatedAt%20ge%20datetimeoffset'1969-12-31T08:00:00.000Z')"
                + "&$orderby=updatedAt&$top=50&__includeDeleted=true");

        // Then every row comes back in write order, the tombstone with deleted:true
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        JsonNode items = json(response);
        assertListResponse(response, items);
        rows.assertPulledAll(items);
    }

    @Test
    void case34_netcFirstPullWithSevenDigitOffsetWatermarkReturnsSameRowsAsJsc() {
        // Given a fresh table: a, b, c, d inserted, then a updated, then b deleted
        PullFixture rows = pullFixture();

        // When the .NET client runs its first pull, and the JS client its own
        Response netc = list(V2, rows.table(),
                "$filter=(updatedAt%20ge%20datetimeoffset'1970-01-01T00%3A00%3A00.0000000%2B00%3A00')"
                        + "&$orderby=updatedAt&$skip=0&$top=50&__includeDeleted=true");
        Response jsc = list(V2, rows.table(), "$filter=(updatedAt%20ge%20datetimeoffset'1969-12-31T08:00:00.000Z')"
                + "&$orderby=updatedAt&$top=50&__includeDeleted=true");

        // Then both get the same content
        assertThat(netc.statusCode()).as("status of %s", netc.asString()).isEqualTo(200);
        assertThat(jsc.statusCode()).as("status of %s", jsc.asString()).isEqualTo(200);
        JsonNode items = json(netc);
        assertListResponse(netc, items);
        rows.assertPulledAll(items);
        assertThat(asMaps(items)).isEqualTo(asMaps(json(jsc)));
    }

    @Test
    void case35_datetimeLiteralWithSevenFractionDigitsIsAccepted() {
        // Given a fresh table with two rows
        String table = freshTable();
        String first = insertV2(table, object("id", "r1" + hexId(), "text", "x", "complete", false)).path("id")
                .asText();
        String second = insertV2(table, object("id", "r2" + hexId(), "text", "y", "complete", false)).path("id")
                .asText();

        // When filtered with a 7-digit datetime literal, raw or fully percent-encoded
        Response rawForm = list(V2, table, "$filter=" + jsc("(updatedAt ge datetime'2020-01-01T00:00:00.0000000Z')"));
        Response encodedForm = list(V2, table,
                "$filter=" + pct("(updatedAt ge datetime'2020-01-01T00:00:00.0000000Z')"));
        Response future = list(V2, table,
                "$filter=" + pct("(updatedAt ge datetime'2999-01-01T00:00:00.0000000Z')"));

        // Then the literal is understood as an instant: both rows are after 2020, none after 2999
        assertThat(rawForm.statusCode()).as("status of %s", rawForm.asString()).isEqualTo(200);
        assertListResponse(rawForm, json(rawForm));
        assertThat(ids(json(rawForm))).containsExactly(first, second);
        assertThat(encodedForm.statusCode()).as("status of %s", encodedForm.asString()).isEqualTo(200);
        assertThat(ids(json(encodedForm))).containsExactly(first, second);
        assertThat(future.statusCode()).as("status of %s", future.asString()).isEqualTo(200);
        assertThat(ids(json(future))).isEmpty();
    }

    @Test
    void case36_listWithoutIncludeDeletedHidesSoftDeletedRows() {
        TombstoneFixture rows = tombstoneFixture();

        Response response = list(V2, rows.table(), "");

        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        assertListResponse(response, json(response));
        assertThat(ids(json(response))).containsExactlyElementsOf(rows.liveIds());
    }

    @Test
    void case37_includeDeletedNameAndValueAreCaseInsensitive() {
        TombstoneFixture rows = tombstoneFixture();

        Response response = list(V2, rows.table(), "__includedeleted=TRUE");

        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        JsonNode items = json(response);
        assertListResponse(response, items);
        assertThat(ids(items)).containsExactlyElementsOf(rows.allIds());
        for (JsonNode item : items) {
            assertThat(item.path("deleted").asBoolean())
                    .as("deleted of %s", item.path("id").asText())
                    .isEqualTo(item.path("id").asText().equals(rows.deletedId()));
        }
    }

    @Test
    void case38_includeDeletedFalseHidesSoftDeletedRows() {
        TombstoneFixture rows = tombstoneFixture();

        Response response = list(V2, rows.table(), "__includeDeleted=false");

        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        assertListResponse(response, json(response));
        assertThat(ids(json(response))).containsExactlyElementsOf(rows.liveIds());
    }

    @Test
    void case39_readByIdWithIncludeDeletedReturnsTombstone() {
        // Given a soft-deleted row
        String id = uniqueId("a1");
        insertV2(TODOITEM, object("id", id, "text", "x", "complete", false));
        JsonNode tombstone = deleteV2(TODOITEM, id);

        // When it is read with __includeDeleted=true, then 200 with the tombstone
        Response response = v2().queryParam("__includeDeleted", "true").when().get("/tables/todoitem/{id}", id);
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        assertThat(item.path("deleted").asBoolean()).as("deleted").isTrue();
        assertSameItem(item, tombstone);

        // And without the flag it stays hidden
        assertV2Error(v2().when().get("/tables/todoitem/{id}", id), 404);
    }

    @Test
    void case40a_substringofMatchesRowsContainingTheNeedle() {
        FilterFixture rows = filterFixture();

        Response response = list(V2, rows.table(), "$filter=" + jsc("substringof('ab',text)"));

        rows.assertMatches(response, "abc", "cab");
    }

    @Test
    void case40b_startswithOfTolowerMatchesCaseInsensitivePrefix() {
        FilterFixture rows = filterFixture();

        Response response = list(V2, rows.table(), "$filter=" + jsc("startswith(tolower(text),'ab')"));

        rows.assertMatches(response, "abc", "ABx", "Abba");
    }

    @Test
    void case40c_notOfBooleanMemberMatchesIncompleteRows() {
        FilterFixture rows = filterFixture();

        Response response = list(V2, rows.table(), "$filter=" + jsc("not complete"));

        rows.assertMatches(response, "abc", "ABx", "xyz", "a b");
    }

    @Test
    void case40d_andOfComparisonAndIndexofMatchesRowsMeetingBoth() {
        FilterFixture rows = filterFixture();

        Response response = list(V2, rows.table(),
                "$filter=" + jsc("(complete eq false) and (indexof(text,'x') ge 0)"));

        rows.assertMatches(response, "ABx", "xyz");
    }

    @Test
    void case42_rowsWrittenInTheSameMillisecondGetDistinctUpdatedAtAndJscLoopDeliversAll() throws Exception {
        // Given a fresh table with one row, and three more inserted at the same instant
        String table = freshTable();
        List<JsonNode> written = new ArrayList<>();
        written.add(insertV2(table, object("id", "r0" + hexId(), "text", "seed", "complete", false)));
        written.addAll(insertAtOnce(table, 3));

        // When the JS client pulls with a page size of 2
        PullLoop pull = jscPull(table, 2);

        // Then the rows have distinct, strictly increasing updatedAt values
        List<Instant> stamps = written.stream().map(ZumoClient::updatedAt).sorted().toList();
        assertThat(new HashSet<>(stamps)).as("distinct updatedAt of %s", written).hasSize(written.size());
        Set<String> writtenIds = written.stream().map(item -> item.path("id").asText()).collect(Collectors.toSet());
        // And every row was delivered, the loop ending with an empty page
        assertThat(new HashSet<>(pull.deliveredIds())).as("delivered ids (with ge, repeats are expected)")
                .containsExactlyInAnyOrderElementsOf(writtenIds);
        assertThat(pull.endedWithEmptyPage()).as("ended with an empty page").isTrue();
        // And the rows as pulled carry the same distinct stamps
        assertThat(pull.lastSeen().values().stream().map(ZumoClient::updatedAt).sorted().toList())
                .containsExactlyElementsOf(stamps);
    }

    // ---- 43-56: v3 (Datasync) --------------------------------------------------------------------------------------

    @Test
    void case43_v3ListReturnsItemsWithNullCountAndNullNextLink() {
        // Given a fresh table with three rows
        String table = freshTable();
        List<String> idsSorted = insertManyV2(table,
                List.of(object("id", hexId(), "text", "a", "complete", false),
                        object("id", hexId(), "text", "b", "complete", true),
                        object("id", hexId(), "text", "c", "complete", false)))
                .stream()
                .map(item -> item.path("id").asText())
                .sorted()
                .toList();

        // When a Datasync client lists it
        Response response = list(V3, table, "");

        // Then {"items":[...],"count":null,"nextLink":null}, items in id order
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        JsonNode body = json(response);
        assertV3Page(response, body);
        assertThat(body.path("count").isNull()).as("count is null: %s", body).isTrue();
        assertThat(body.path("nextLink").isNull()).as("nextLink is null: %s", body).isTrue();
        assertThat(ids(body.path("items"))).containsExactlyElementsOf(idsSorted);
    }

    @Test
    void case44_v3CountWithMoreThanOnePageReturnsTotalAndQueryStringNextLink() {
        // Given a fresh table with 250 rows
        String table = freshTable();
        List<String> idsSorted = insertManyV2(table, IntStream.range(0, 250)
                .mapToObj(i -> object("id", hexId(), "text", "row " + i, "complete", false))
                .toList())
                .stream()
                .map(item -> item.path("id").asText())
                .sorted()
                .toList();

        // When a Datasync client lists it with $count=true
        Response first = list(V3, table, "$count=true");

        // Then the first 100 by id, count 250, and a nextLink that is a bare query string
        assertThat(first.statusCode()).as("status of %s", first.asString()).isEqualTo(200);
        JsonNode page1 = json(first);
        assertV3Page(first, page1);
        assertThat(ids(page1.path("items"))).containsExactlyElementsOf(idsSorted.subList(0, 100));
        assertThat(page1.path("count").isIntegralNumber()).as("count is an integer: %s", page1).isTrue();
        assertThat(page1.path("count").asLong()).isEqualTo(250);
        String next1 = assertQueryStringNextLink(page1, 100);

        // And following nextLinks as the Datasync client does walks the rest once
        Response second = list(V3, table, next1);
        assertThat(second.statusCode()).as("status of %s", second.asString()).isEqualTo(200);
        JsonNode page2 = json(second);
        assertV3Page(second, page2);
        assertThat(ids(page2.path("items"))).containsExactlyElementsOf(idsSorted.subList(100, 200));
        assertThat(page2.path("count").asLong()).isEqualTo(250);
        Response third = list(V3, table, assertQueryStringNextLink(page2, 200));
        assertThat(third.statusCode()).as("status of %s", third.asString()).isEqualTo(200);
        JsonNode page3 = json(third);
        assertV3Page(third, page3);
        assertThat(ids(page3.path("items"))).containsExactlyElementsOf(idsSorted.subList(200, 250));
        assertThat(page3.path("nextLink").isNull()).as("nextLink on the last page: %s", page3).isTrue();
    }

    @Test
    void case45_v3TopAboveMaxReturns400() {
        Response response = list(V3, TODOITEM, "$top=200000");

        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(400);
    }

    @Test
    void case46_v3InsertReturns201WithEtagAndLocation() {
        String id = uniqueId("c1");

        Response response = v3().contentType(ContentType.JSON)
                .body(object("id", id, "text", "x").toString())
                .when()
                .post("/tables/todoitem");

        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(201);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        assertThat(item.path("id").asText()).isEqualTo(id);
        assertThat(item.path("text").asText()).isEqualTo("x");
        assertThat(item.path("deleted").asBoolean(true)).isFalse();
        assertThat(response.header("Location")).as("Location").endsWith("/tables/todoitem/" + id);
    }

    @Test
    void case47_v3DuplicateInsertReturns409WithStoredRow() {
        // Given a stored c1
        String id = uniqueId("c1");
        JsonNode stored = insertV3(TODOITEM, object("id", id, "text", "x"));

        // When it is inserted again with other content
        Response response = v3().contentType(ContentType.JSON)
                .body(object("id", id, "text", "request").toString())
                .when()
                .post("/tables/todoitem");

        // Then 409 with the stored row and its ETag
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(409);
        JsonNode body = json(response);
        assertSameItem(body, stored);
        assertEtagOk(response, body);
    }

    @Test
    void case48_v3InsertWithTextPlainContentTypeReturns415() {
        String id = uniqueId("c1");

        Response response = v3().contentType("text/plain")
                .body(object("id", id, "text", "x").toString())
                .when()
                .post("/tables/todoitem");

        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(415);
        assertThat(v3().when().get("/tables/todoitem/{id}", id).statusCode()).as("stored anyway?").isEqualTo(404);
    }

    @Test
    void case49_v3ReplaceWithCurrentIfMatchReturnsNewVersionAndLaterUpdatedAt() {
        // Given a stored c1
        String id = uniqueId("c1");
        JsonNode before = insertV3(TODOITEM, object("id", id, "text", "x", "complete", false));

        // When the full entity is replaced with the current version in If-Match
        ObjectNode entity = before.deepCopy();
        entity.put("text", "y").put("complete", true);
        Response response = v3().contentType(ContentType.JSON)
                .header("If-Match", etagOf(version(before)))
                .body(entity.toString())
                .when()
                .put("/tables/todoitem/{id}", id);

        // Then 200 with the stored replacement, a new version and a later updatedAt
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        assertThat(item.path("text").asText()).isEqualTo("y");
        assertThat(item.path("complete").asBoolean()).isTrue();
        assertThat(version(item)).isNotEqualTo(version(before));
        assertThat(updatedAt(item)).isAfter(updatedAt(before));
        assertSameItem(readV3(TODOITEM, id), item);
    }

    @Test
    void case50_v3ReplaceWithStaleIfMatchReturns412WithCurrentRow() {
        // Given a c1 whose first version is stale
        String id = uniqueId("c1");
        JsonNode first = insertV3(TODOITEM, object("id", id, "text", "x", "complete", false));
        JsonNode current = patchV2(TODOITEM, id, object("id", id, "text", "second"));

        // When it is replaced with the stale version
        ObjectNode entity = first.deepCopy();
        entity.put("text", "third");
        Response response = v3().contentType(ContentType.JSON)
                .header("If-Match", etagOf(version(first)))
                .body(entity.toString())
                .when()
                .put("/tables/todoitem/{id}", id);

        // Then 412 with the current row and "ETag ok"
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(412);
        JsonNode body = json(response);
        assertSameItem(body, current);
        assertEtagOk(response, body);
        assertSameItem(readV3(TODOITEM, id), current);
    }

    @Test
    void case51_v3ReplaceWithDifferentBodyIdReturns400() {
        // Given a stored c1
        String id = uniqueId("c1");
        JsonNode stored = insertV3(TODOITEM, object("id", id, "text", "x", "complete", false));

        // When the replacement names another id
        Response response = v3().contentType(ContentType.JSON)
                .body(object("id", uniqueId("c2"), "text", "y", "complete", false).toString())
                .when()
                .put("/tables/todoitem/{id}", id);

        // Then 400, and c1 is unchanged
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(400);
        assertSameItem(readV3(TODOITEM, id), stored);
    }

    @Test
    void case52_v3DeleteReturns204AndTheTombstoneAnswers410() {
        // Given a stored c1
        String id = uniqueId("c1");
        JsonNode stored = insertV3(TODOITEM, object("id", id, "text", "x", "complete", false));

        // When a Datasync client deletes it: 204 without a body
        Response deleted = v3().when().delete("/tables/todoitem/{id}", id);
        assertThat(deleted.statusCode()).as("status of %s", deleted.asString()).isEqualTo(204);
        assertThat(deleted.asString()).as("body of 204").isEmpty();

        // Then reading it answers 410 Gone
        Response read = v3().when().get("/tables/todoitem/{id}", id);
        assertThat(read.statusCode()).as("status of %s", read.asString()).isEqualTo(410);

        // And with __includedeleted=true it is the tombstone
        Response tombstoneRead = v3().queryParam("__includedeleted", "true").when().get("/tables/todoitem/{id}", id);
        assertThat(tombstoneRead.statusCode()).as("status of %s", tombstoneRead.asString()).isEqualTo(200);
        JsonNode tombstone = json(tombstoneRead);
        assertItemResponse(tombstoneRead, tombstone);
        assertThat(tombstone.path("deleted").asBoolean()).as("deleted").isTrue();
        assertThat(version(tombstone)).isNotEqualTo(version(stored));

        // And a second delete answers 410
        Response secondDelete = v3().when().delete("/tables/todoitem/{id}", id);
        assertThat(secondDelete.statusCode()).as("status of %s", secondDelete.asString()).isEqualTo(410);

        // And a replace answers 410
        ObjectNode entity = stored.deepCopy();
        entity.put("text", "y");
        Response replace = v3().contentType(ContentType.JSON)
                .body(entity.toString())
                .when()
                .put("/tables/todoitem/{id}", id);
        assertThat(replace.statusCode()).as("status of %s", replace.asString()).isEqualTo(410);
    }

    @Test
    void case53_v3DeleteOfAbsentIdReturns404() {
        Response response = v3().when().delete("/tables/todoitem/{id}", uniqueId("nope"));

        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(404);
    }

    @Test
    void case54_v3ReadWithMatchingIfNoneMatchReturns304() {
        // Given a stored c2
        String id = uniqueId("c2");
        JsonNode stored = insertV3(TODOITEM, object("id", id, "text", "x", "complete", false));

        // When it is read with its current ETag in If-None-Match, then 304
        Response notModified = v3().header("If-None-Match", etagOf(version(stored)))
                .when()
                .get("/tables/todoitem/{id}", id);
        assertThat(notModified.statusCode()).as("status of %s", notModified.asString()).isEqualTo(304);

        // And with another ETag it is a normal 200
        Response modified = v3().header("If-None-Match", "\"AAAAAAAAB9E=\"")
                .when()
                .get("/tables/todoitem/{id}", id);
        assertThat(modified.statusCode()).as("status of %s", modified.asString()).isEqualTo(200);
        assertSameItem(json(modified), stored);
    }

    @Test
    void case55_v3DeltaPullReturnsOnlyLaterRowsIncludingTombstonesInOrder() {
        // Given a fresh table with a, b, c; the delta token T = c's updatedAt
        String table = freshTable();
        String a = insertV3(table, object("id", "a" + hexId(), "text", "a", "complete", false)).path("id").asText();
        String b = insertV3(table, object("id", "b" + hexId(), "text", "b", "complete", false)).path("id").asText();
        JsonNode c = insertV3(table, object("id", "c" + hexId(), "text", "c", "complete", false));
        String token = c.path("updatedAt").asText();
        // And after T: a replaced, b deleted, d inserted
        JsonNode aBefore = readV3(table, a);
        ObjectNode aEntity = aBefore.deepCopy();
        aEntity.put("text", "a2");
        Response replaced = v3().contentType(ContentType.JSON)
                .header("If-Match", etagOf(version(aBefore)))
                .body(aEntity.toString())
                .when()
                .put("/tables/{table}/{id}", table, a);
        assertThat(replaced.statusCode()).as("status of %s", replaced.asString()).isEqualTo(200);
        assertThat(v3().when().delete("/tables/{table}/{id}", table, b).statusCode()).isEqualTo(204);
        String d = insertV3(table, object("id", "d" + hexId(), "text", "d", "complete", false)).path("id").asText();

        // When the Datasync client pulls the delta since T
        Response response = list(V3, table, "$filter=" + pct("(updatedAt gt cast(" + token + ",Edm.DateTimeOffset))")
                + "&$orderby=updatedAt&$count=true&__includedeleted=true");

        // Then only a, b (tombstone) and d come back, in updatedAt order, c (at T) excluded
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        JsonNode body = json(response);
        assertV3Page(response, body);
        JsonNode items = body.path("items");
        assertThat(ids(items)).containsExactly(a, b, d);
        assertThat(items.get(1).path("deleted").asBoolean()).as("b is a tombstone").isTrue();
        assertThat(items.get(0).path("text").asText()).isEqualTo("a2");
        for (JsonNode item : items) {
            assertThat(updatedAt(item)).as("updatedAt of %s", item.path("id").asText())
                    .isAfter(Instant.parse(token));
        }
        assertThat(body.path("count").asLong()).isEqualTo(3);
        assertThat(body.path("nextLink").isNull()).as("nextLink: %s", body).isTrue();
    }

    @Test
    void case56a_v3ContainsMatchesRowsContainingTheNeedle() {
        FilterFixture rows = filterFixture("abc", "cab", "ABx", "a", "b", "c");

        Response response = list(V3, rows.table(), "$filter=" + pct("contains(text,'ab')"));

        rows.assertV3Matches(response, "abc", "cab");
    }

    @Test
    void case56b_v3InOperatorMatchesListedValues() {
        FilterFixture rows = filterFixture("abc", "cab", "ABx", "a", "b", "c");

        Response response = list(V3, rows.table(), "$filter=" + pct("text in ('a','b')"));

        rows.assertV3Matches(response, "a", "b");
    }

    // ---- 57: every 2xx item/list response ---------------------------------------------------------------------------

    @Test
    void case57_everySuccessResponseHasMillisecondUtcDatesAndContentLength() {
        // Given a fresh table with a live row and a tombstone, written through v2 (each helper checks its response)
        String table = freshTable();
        String live = insertV2(table, object("id", "l" + hexId(), "text", "live", "complete", false)).path("id")
                .asText();
        String gone = insertV2(table, object("id", "g" + hexId(), "text", "gone", "complete", true)).path("id")
                .asText();
        patchV2(table, live, object("id", live, "text", "live2"));
        deleteV2(table, gone);
        readV2(table, live);
        readV3(table, live);

        // When it is listed in every shape
        List<Response> lists = List.of(
                list(V2, table, "__includeDeleted=true"),
                list(V2, table, "$inlinecount=allpages&__includeDeleted=true"),
                list(V2, table, "$filter=" + jsc("(updatedAt ge datetimeoffset'1969-12-31T00:00:00.000Z')")
                        + "&$orderby=updatedAt&$top=50&__includeDeleted=true"),
                list(V3, table, "$count=true&__includedeleted=true"),
                list(V3, table, "$orderby=updatedAt&__includedeleted=true"));

        // Then every response has a Content-Length and every date three fraction digits and Z
        for (Response response : lists) {
            assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
            JsonNode body = json(response);
            assertSuccessBody(response, body);
            assertThat(body.toString()).contains(live, gone);
        }
        // And undelete and v3 replace answer the same way
        JsonNode undeleted = undeleteV2(table, gone);
        ObjectNode entity = undeleted.deepCopy();
        entity.put("text", "back");
        Response replaced = v3().contentType(ContentType.JSON)
                .body(entity.toString())
                .when()
                .put("/tables/{table}/{id}", table, gone);
        assertThat(replaced.statusCode()).as("status of %s", replaced.asString()).isEqualTo(200);
        assertItemResponse(replaced, json(replaced));
    }

    // ---- beyond section 8 -----------------------------------------------------------------------------------------

    @Test
    void declaredTableNameIsMatchedCaseInsensitively() {
        // Given an item inserted through /tables/TodoItem
        String id = uniqueId("ci");
        Response response = v2().contentType(ContentType.JSON)
                .body(object("id", id, "text", "x", "complete", false).toString())
                .when()
                .post("/tables/TodoItem");
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(201);

        // Then it is the declared todoitem table under any spelling
        assertSameItem(readV2(TODOITEM, id), json(response));
        assertSameItem(readV2("TODOITEM", id), json(response));
    }

    // ---- fixtures -------------------------------------------------------------------------------------------------

    /** A table of 120 live rows (hex ids; complete = even index); {@code ids} sorted, {@code incompleteIds} too. */
    private record RowsFixture(String table, List<String> ids, List<String> incompleteIds) {
    }

    private static synchronized RowsFixture rows120() {
        if (rows120 == null) {
            String table = freshTable();
            List<ObjectNode> bodies = IntStream.range(0, 120)
                    .mapToObj(i -> object("id", hexId(), "text", "row " + i, "complete", i % 2 == 0))
                    .toList();
            insertManyV2(table, bodies);
            List<String> sorted = bodies.stream().map(body -> body.path("id").asText()).sorted().toList();
            List<String> incomplete = bodies.stream()
                    .filter(body -> !body.path("complete").asBoolean())
                    .map(body -> body.path("id").asText())
                    .sorted()
                    .toList();
            rows120 = new RowsFixture(table, sorted, incomplete);
        }
        return rows120;
    }

    /**
     * A fresh table where a, b, c, d were inserted, then a updated, then b deleted: a first pull must return c, d, a, b
     * (write order) with b as a tombstone.
     */
    private record PullFixture(String table, List<JsonNode> expected) {

        void assertPulledAll(JsonNode items) {
            assertThat(ids(items))
                    .containsExactlyElementsOf(expected.stream().map(i -> i.path("id").asText()).toList());
            assertThat(asMaps(items)).containsExactlyElementsOf(expected.stream().map(ZumoClient::asMap).toList());
            assertOrderedByUpdatedAtThenId(items);
            assertThat(items.get(3).path("deleted").asBoolean()).as("b is a tombstone").isTrue();
            for (int i = 0; i < 3; i++) {
                assertThat(items.get(i).path("deleted").asBoolean(true)).as("deleted of row %d", i).isFalse();
            }
        }
    }

    private static PullFixture pullFixture() {
        String table = freshTable();
        JsonNode a = insertV2(table, object("id", "a" + hexId(), "text", "a", "complete", false));
        JsonNode b = insertV2(table, object("id", "b" + hexId(), "text", "b", "complete", false));
        JsonNode c = insertV2(table, object("id", "c" + hexId(), "text", "c", "complete", true));
        JsonNode d = insertV2(table, object("id", "d" + hexId(), "text", "d", "complete", false));
        JsonNode aUpdated = patchV2(table, a.path("id").asText(), object("id", a.path("id").asText(), "text", "a2"));
        JsonNode bDeleted = deleteV2(table, b.path("id").asText());
        return new PullFixture(table, List.of(c, d, aUpdated, bDeleted));
    }

    /** A fresh table with three live rows and one tombstone; ids sorted. */
    private record TombstoneFixture(String table, List<String> liveIds, String deletedId, List<String> allIds) {
    }

    private static TombstoneFixture tombstoneFixture() {
        String table = freshTable();
        List<String> all = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            all.add(insertV2(table, object("id", hexId(), "text", "row " + i, "complete", false)).path("id").asText());
        }
        String deleted = all.get(2);
        deleteV2(table, deleted);
        List<String> sorted = all.stream().sorted().toList();
        return new TombstoneFixture(table, sorted.stream().filter(id -> !id.equals(deleted)).toList(), deleted,
                sorted);
    }

    /** A fresh table whose rows are known by their text; results of a filter are checked by text, in id order. */
    private record FilterFixture(String table, Map<String, String> idByText) {

        void assertMatches(Response response, String... texts) {
            assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
            JsonNode items = json(response);
            assertListResponse(response, items);
            assertThat(ids(items)).as("rows matched (texts %s)", texts(items)).containsExactlyElementsOf(idsOf(texts));
        }

        void assertV3Matches(Response response, String... texts) {
            assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
            JsonNode body = json(response);
            assertV3Page(response, body);
            assertThat(ids(body.path("items"))).as("rows matched (texts %s)", texts(body.path("items")))
                    .containsExactlyElementsOf(idsOf(texts));
            assertThat(body.path("count").isNull()).as("count without $count: %s", body).isTrue();
            assertThat(body.path("nextLink").isNull()).as("nextLink: %s", body).isTrue();
        }

        private List<String> idsOf(String... texts) {
            return Arrays.stream(texts).map(idByText::get).sorted().toList();
        }

        private static List<String> texts(JsonNode items) {
            List<String> texts = new ArrayList<>();
            items.forEach(item -> texts.add(item.path("text").asText()));
            return texts;
        }
    }

    /**
     * Rows for case 40: text and complete chosen so that each filter selects a distinct set. Matching is
     * case-sensitive, as OData defines it; only tolower() folds case.
     */
    private static FilterFixture filterFixture() {
        String table = freshTable();
        Object[][] rows = {{"abc", false}, {"cab", true}, {"ABx", false}, {"xyz", false}, {"Abba", true},
                {"a b", false}, {"box", true}};
        Map<String, String> idByText = new LinkedHashMap<>();
        for (Object[] row : rows) {
            String id = insertV2(table, object("id", hexId(), "text", row[0], "complete", row[1])).path("id").asText();
            idByText.put((String) row[0], id);
        }
        return new FilterFixture(table, idByText);
    }

    /** Rows for case 56, inserted through the v3 API. */
    private static FilterFixture filterFixture(String... texts) {
        String table = freshTable();
        Map<String, String> idByText = new LinkedHashMap<>();
        for (String text : texts) {
            idByText.put(text, insertV3(table, object("id", hexId(), "text", text, "complete", false)).path("id")
                    .asText());
        }
        return new FilterFixture(table, idByText);
    }

    // ---- the JS client's pull loop (docs/protocol.md 6.5) -----------------------------------------------------------

    /** What one JS-client pull saw: every delivered id (with repeats), the last state of each row, how it ended. */
    private record PullLoop(List<String> deliveredIds, Map<String, JsonNode> lastSeen, boolean endedWithEmptyPage) {
    }

    private static PullLoop jscPull(String table, int pageSize) {
        String watermark = "1969-12-31T00:00:00.000Z";
        int skip = 0;
        List<String> delivered = new ArrayList<>();
        Map<String, JsonNode> lastSeen = new LinkedHashMap<>();
        for (int request = 0; request < 100; request++) {
            String query = "$filter=" + jsc("(updatedAt ge datetimeoffset'" + watermark + "')") + "&$orderby=updatedAt"
                    + (skip > 0 ? "&$skip=" + skip : "") + "&$top=" + pageSize + "&__includeDeleted=true";
            Response response = list(V2, table, query);
            assertThat(response.statusCode()).as("status of %s: %s", query, response.asString()).isEqualTo(200);
            JsonNode page = json(response);
            assertListResponse(response, page);
            assertThat(page.size()).as("page size of %s", query).isLessThanOrEqualTo(pageSize);
            if (page.isEmpty()) {
                return new PullLoop(delivered, lastSeen, true);
            }
            for (JsonNode item : page) {
                delivered.add(item.path("id").asText());
                lastSeen.put(item.path("id").asText(), item);
            }
            String last = page.get(page.size() - 1).path("updatedAt").asText();
            if (Instant.parse(last).equals(Instant.parse(watermark))) {
                skip += page.size();
            } else {
                watermark = last;
                skip = 0;
            }
        }
        return new PullLoop(delivered, lastSeen, false);
    }

    /** Inserts {@code count} rows at once: all threads wait on one latch, then POST together. */
    private static List<JsonNode> insertAtOnce(String table, int count) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(count);
        try {
            CountDownLatch ready = new CountDownLatch(count);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<JsonNode>> futures = new ArrayList<>();
            for (int i = 1; i <= count; i++) {
                ObjectNode body = object("id", "r" + i + hexId(), "text", "same ms " + i, "complete", false);
                futures.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return insertV2(table, body);
                }));
            }
            assertThat(ready.await(30, TimeUnit.SECONDS)).as("writers ready").isTrue();
            go.countDown();
            List<JsonNode> items = new ArrayList<>();
            for (Future<JsonNode> future : futures) {
                items.add(future.get(60, TimeUnit.SECONDS));
            }
            return items;
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- assertions ---------------------------------------------------------------------------------------------

    /** The v2 {@code Link} header: present, no angle brackets, real path, the given $skip; returns its URL. */
    private static String assertNextLink(Response response, String table, int skip) {
        String link = response.header("Link");
        assertThat(link).as("Link header").isNotNull();
        assertThat(link).as("Link header")
                .matches("^https?://[^ <>]+/tables/" + table + "\\?[^ ]*\\$skip=" + skip + "[^ ]*; rel=next$");
        String url = link.substring(0, link.lastIndexOf(';'));
        assertThat(queryParameters(url)).as("Link query of %s", url).containsEntry("$skip", Integer.toString(skip));
        return url;
    }

    /** A v3 page: exactly items, count and nextLink, every item with its system properties. */
    private static void assertV3Page(Response response, JsonNode body) {
        assertSuccessBody(response, body);
        assertThat(fieldNames(body)).as("page members of %s", body)
                .containsExactlyInAnyOrder("items", "count", "nextLink");
        assertThat(body.path("items").isArray()).as("items is an array").isTrue();
        body.path("items").forEach(ZumoClient::assertSystemProperties);
    }

    /** A v3 nextLink as the Datasync client needs it: a bare query string with $skip and $count; returns it. */
    private static String assertQueryStringNextLink(JsonNode page, int skip) {
        assertThat(page.path("nextLink").isTextual()).as("nextLink is a string: %s", page).isTrue();
        String nextLink = page.path("nextLink").asText();
        assertThat(nextLink).as("nextLink")
                .doesNotStartWith("?")
                .doesNotStartWith("/")
                .doesNotContain("://")
                .doesNotContain("?")
                .doesNotContain(" ")
                .contains("$skip=" + skip)
                .contains("$count=true");
        assertThat(queryParameters(nextLink)).containsEntry("$skip", Integer.toString(skip))
                .containsEntry("$count", "true");
        return nextLink;
    }

    private static void assertOrderedByUpdatedAtThenId(JsonNode items) {
        List<JsonNode> list = new ArrayList<>();
        items.forEach(list::add);
        List<JsonNode> sorted = list.stream()
                .sorted(Comparator.comparing(ZumoClient::updatedAt).thenComparing(item -> item.path("id").asText()))
                .toList();
        assertThat(list).as("ordered by updatedAt, then id").containsExactlyElementsOf(sorted);
    }

    private static JsonNode undeleteV2(String table, String id) {
        Response response = v2().noContentType().when().post("/tables/{table}/{id}", table, id);
        assertThat(response.statusCode()).as("status of %s", response.asString()).isBetween(200, 299);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        assertThat(item.path("deleted").asBoolean(true)).isFalse();
        return item;
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new LinkedHashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The comma-separated tokens of a header, trimmed and lower case (empty when the header is absent). */
    private static List<String> tokens(String header) {
        if (header == null) {
            return List.of();
        }
        return Arrays.stream(header.split(",")).map(t -> t.trim().toLowerCase(Locale.ROOT)).toList();
    }
}
