package io.edgesync.protocol.zumo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.edgesync.protocol.zumo.ConformanceFixtures.FilterFixture;
import io.edgesync.protocol.zumo.ConformanceFixtures.PullFixture;
import io.edgesync.protocol.zumo.ConformanceFixtures.PullLoop;
import io.edgesync.protocol.zumo.ConformanceFixtures.TombstoneFixture;
import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

import static io.edgesync.protocol.zumo.ConformanceFixtures.TODOITEM;
import static io.edgesync.protocol.zumo.ConformanceFixtures.filterFixture;
import static io.edgesync.protocol.zumo.ConformanceFixtures.insertAtOnce;
import static io.edgesync.protocol.zumo.ConformanceFixtures.jscPull;
import static io.edgesync.protocol.zumo.ConformanceFixtures.pullFixture;
import static io.edgesync.protocol.zumo.ConformanceFixtures.tombstoneFixture;
import static io.edgesync.protocol.zumo.ZumoClient.V2;
import static io.edgesync.protocol.zumo.ZumoClient.asMaps;
import static io.edgesync.protocol.zumo.ZumoClient.assertItemResponse;
import static io.edgesync.protocol.zumo.ZumoClient.assertListResponse;
import static io.edgesync.protocol.zumo.ZumoClient.assertSameItem;
import static io.edgesync.protocol.zumo.ZumoClient.assertV2Error;
import static io.edgesync.protocol.zumo.ZumoClient.deleteV2;
import static io.edgesync.protocol.zumo.ZumoClient.freshTable;
import static io.edgesync.protocol.zumo.ZumoClient.hexId;
import static io.edgesync.protocol.zumo.ZumoClient.ids;
import static io.edgesync.protocol.zumo.ZumoClient.insertV2;
import static io.edgesync.protocol.zumo.ZumoClient.jsc;
import static io.edgesync.protocol.zumo.ZumoClient.json;
import static io.edgesync.protocol.zumo.ZumoClient.list;
import static io.edgesync.protocol.zumo.ZumoClient.object;
import static io.edgesync.protocol.zumo.ZumoClient.pct;
import static io.edgesync.protocol.zumo.ZumoClient.uniqueId;
import static io.edgesync.protocol.zumo.ZumoClient.v2;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cases 33-42 of docs/protocol.md section 8: v2 incremental pull and tombstones (case 41 is in
 * {@link UnknownTableTest}, which declares its tables).
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class ZumoIncrementalPullTest {

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
        // Given a fresh table with three live rows and one tombstone
        TombstoneFixture rows = tombstoneFixture();

        // When it is listed without __includeDeleted
        Response response = list(V2, rows.table(), "");

        // Then only the live rows come back, in id order
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
        assertListResponse(response, json(response));
        assertThat(ids(json(response))).containsExactlyElementsOf(rows.liveIds());
    }

    @Test
    void case37_includeDeletedNameAndValueAreCaseInsensitive() {
        // Given a fresh table with three live rows and one tombstone
        TombstoneFixture rows = tombstoneFixture();

        // When it is listed with __includedeleted=TRUE (name and value in other cases)
        Response response = list(V2, rows.table(), "__includedeleted=TRUE");

        // Then every row comes back in id order, only the tombstone with deleted true
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
        // Given a fresh table with three live rows and one tombstone
        TombstoneFixture rows = tombstoneFixture();

        // When it is listed with __includeDeleted=false
        Response response = list(V2, rows.table(), "__includeDeleted=false");

        // Then only the live rows come back, in id order
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
        // Given a fresh table of the case 40 rows, known by their text
        FilterFixture rows = filterFixture();

        // When it is filtered with substringof('ab',text)
        Response response = list(V2, rows.table(), "$filter=" + jsc("substringof('ab',text)"));

        // Then exactly the rows containing "ab" match (case-sensitive)
        rows.assertMatches(response, "abc", "cab");
    }

    @Test
    void case40b_startswithOfTolowerMatchesCaseInsensitivePrefix() {
        // Given a fresh table of the case 40 rows, known by their text
        FilterFixture rows = filterFixture();

        // When it is filtered with startswith(tolower(text),'ab')
        Response response = list(V2, rows.table(), "$filter=" + jsc("startswith(tolower(text),'ab')"));

        // Then exactly the rows starting with "ab" in any case match
        rows.assertMatches(response, "abc", "ABx", "Abba");
    }

    @Test
    void case40c_notOfBooleanMemberMatchesIncompleteRows() {
        // Given a fresh table of the case 40 rows, known by their text
        FilterFixture rows = filterFixture();

        // When it is filtered with not complete
        Response response = list(V2, rows.table(), "$filter=" + jsc("not complete"));

        // Then exactly the incomplete rows match
        rows.assertMatches(response, "abc", "ABx", "xyz", "a b");
    }

    @Test
    void case40d_andOfComparisonAndIndexofMatchesRowsMeetingBoth() {
        // Given a fresh table of the case 40 rows, known by their text
        FilterFixture rows = filterFixture();

        // When it is filtered with (complete eq false) and (indexof(text,'x') ge 0)
        Response response = list(V2, rows.table(),
                "$filter=" + jsc("(complete eq false) and (indexof(text,'x') ge 0)"));

        // Then exactly the incomplete rows containing "x" match
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
}
