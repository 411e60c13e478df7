package io.edgesync.protocol.zumo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.edgesync.protocol.zumo.ConformanceFixtures.RowsFixture;
import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

import static io.edgesync.protocol.zumo.ConformanceFixtures.TODOITEM;
import static io.edgesync.protocol.zumo.ConformanceFixtures.assertNextLink;
import static io.edgesync.protocol.zumo.ConformanceFixtures.fieldNames;
import static io.edgesync.protocol.zumo.ConformanceFixtures.rows120;
import static io.edgesync.protocol.zumo.ZumoClient.V2;
import static io.edgesync.protocol.zumo.ZumoClient.assertListResponse;
import static io.edgesync.protocol.zumo.ZumoClient.assertSuccessBody;
import static io.edgesync.protocol.zumo.ZumoClient.assertV2Error;
import static io.edgesync.protocol.zumo.ZumoClient.deleteV2;
import static io.edgesync.protocol.zumo.ZumoClient.freshTable;
import static io.edgesync.protocol.zumo.ZumoClient.ids;
import static io.edgesync.protocol.zumo.ZumoClient.insertV2;
import static io.edgesync.protocol.zumo.ZumoClient.jsc;
import static io.edgesync.protocol.zumo.ZumoClient.json;
import static io.edgesync.protocol.zumo.ZumoClient.list;
import static io.edgesync.protocol.zumo.ZumoClient.object;
import static io.edgesync.protocol.zumo.ZumoClient.queryParameters;
import static io.edgesync.protocol.zumo.ZumoClient.raw;
import static io.edgesync.protocol.zumo.ZumoClient.uniqueId;
import static org.assertj.core.api.Assertions.assertThat;

/** Cases 27-32 of docs/protocol.md section 8: v2 queries, paging, counting, errors. */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class ZumoQueryTest {

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
        // When the filter does not parse (an unknown operator), then 400 with {"error": "..."}
        assertV2Error(list(V2, TODOITEM, "$filter=" + jsc("text eqq 'x'")), 400);
    }

    @Test
    void case32_filterOnUnknownColumnReturns400() {
        // On a table whose rows everyone shares, the schema is shared too: a column it does not have is an error
        // When shared_board is filtered on a column it does not declare, then 400 with {"error": "..."}
        assertV2Error(list(V2, "shared_board", "$filter=" + jsc("nosuch eq 1")), 400);
    }

    @Test
    void case32_onATableWithRowsPerUserAColumnNoRowHasMatchesAsNull() {
        // Undeclared columns there are the rows' own (README, security): a 400 would tell another user's column
        // When todoitem is filtered on a column no row has
        Response response = list(V2, TODOITEM, "$filter=" + jsc("nosuch eq 1"));

        // Then 200 with an empty list: the column reads as null
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        assertThat(json(response)).isEmpty();
    }
}
