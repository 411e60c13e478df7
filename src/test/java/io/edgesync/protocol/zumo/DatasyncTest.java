package io.edgesync.protocol.zumo;

import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.protocol.zumo.ConformanceFixtures.FilterFixture;
import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

import static io.edgesync.protocol.zumo.ConformanceFixtures.TODOITEM;
import static io.edgesync.protocol.zumo.ConformanceFixtures.assertQueryStringNextLink;
import static io.edgesync.protocol.zumo.ConformanceFixtures.assertV3Page;
import static io.edgesync.protocol.zumo.ConformanceFixtures.filterFixture;
import static io.edgesync.protocol.zumo.ZumoClient.V3;
import static io.edgesync.protocol.zumo.ZumoClient.assertEtagOk;
import static io.edgesync.protocol.zumo.ZumoClient.assertItemResponse;
import static io.edgesync.protocol.zumo.ZumoClient.assertSameItem;
import static io.edgesync.protocol.zumo.ZumoClient.etagOf;
import static io.edgesync.protocol.zumo.ZumoClient.freshTable;
import static io.edgesync.protocol.zumo.ZumoClient.hexId;
import static io.edgesync.protocol.zumo.ZumoClient.ids;
import static io.edgesync.protocol.zumo.ZumoClient.insertManyV2;
import static io.edgesync.protocol.zumo.ZumoClient.insertV3;
import static io.edgesync.protocol.zumo.ZumoClient.json;
import static io.edgesync.protocol.zumo.ZumoClient.list;
import static io.edgesync.protocol.zumo.ZumoClient.object;
import static io.edgesync.protocol.zumo.ZumoClient.patchV2;
import static io.edgesync.protocol.zumo.ZumoClient.pct;
import static io.edgesync.protocol.zumo.ZumoClient.readV3;
import static io.edgesync.protocol.zumo.ZumoClient.uniqueId;
import static io.edgesync.protocol.zumo.ZumoClient.updatedAt;
import static io.edgesync.protocol.zumo.ZumoClient.v3;
import static io.edgesync.protocol.zumo.ZumoClient.version;
import static org.assertj.core.api.Assertions.assertThat;

/** Cases 43-56 of docs/protocol.md section 8: v3 (Datasync). */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class DatasyncTest {

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
        // When a Datasync client asks for more rows than max $top allows
        Response response = list(V3, TODOITEM, "$top=200000");

        // Then 400
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(400);
    }

    @Test
    void case46_v3InsertReturns201WithEtagAndLocation() {
        // Given a new id
        String id = uniqueId("c1");

        // When a Datasync client inserts it
        Response response = v3().contentType(ContentType.JSON)
                .body(object("id", id, "text", "x").toString())
                .when()
                .post("/tables/todoitem");

        // Then 201 with the stored item, "ETag ok" and a Location that names it
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
        // Given a new id
        String id = uniqueId("c1");

        // When a Datasync client posts it as text/plain
        Response response = v3().contentType("text/plain")
                .body(object("id", id, "text", "x").toString())
                .when()
                .post("/tables/todoitem");

        // Then 415, and nothing was stored
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
        // When a Datasync client deletes an id that was never written
        Response response = v3().when().delete("/tables/todoitem/{id}", uniqueId("nope"));

        // Then 404
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
        // Given a fresh table of rows known by their text, inserted through v3
        FilterFixture rows = filterFixture("abc", "cab", "ABx", "a", "b", "c");

        // When it is filtered with contains(text,'ab')
        Response response = list(V3, rows.table(), "$filter=" + pct("contains(text,'ab')"));

        // Then exactly the rows containing "ab" match (case-sensitive), on one page without count
        rows.assertV3Matches(response, "abc", "cab");
    }

    @Test
    void case56b_v3InOperatorMatchesListedValues() {
        // Given a fresh table of rows known by their text, inserted through v3
        FilterFixture rows = filterFixture("abc", "cab", "ABx", "a", "b", "c");

        // When it is filtered with text in ('a','b')
        Response response = list(V3, rows.table(), "$filter=" + pct("text in ('a','b')"));

        // Then exactly the rows a and b match, on one page without count
        rows.assertV3Matches(response, "a", "b");
    }
}
