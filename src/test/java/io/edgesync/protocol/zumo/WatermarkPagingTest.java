package io.edgesync.protocol.zumo;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

import static io.edgesync.protocol.zumo.ZumoClient.freshTable;
import static io.edgesync.protocol.zumo.ZumoClient.ids;
import static io.edgesync.protocol.zumo.ZumoClient.insertManyV2;
import static io.edgesync.protocol.zumo.ZumoClient.insertV2;
import static io.edgesync.protocol.zumo.ZumoClient.jsc;
import static io.edgesync.protocol.zumo.ZumoClient.json;
import static io.edgesync.protocol.zumo.ZumoClient.list;
import static io.edgesync.protocol.zumo.ZumoClient.object;
import static io.edgesync.protocol.zumo.ZumoClient.patchV2;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The race in the JS client's own watermark loop, replayed step by step: the caught-up client steps over the row at its
 * watermark with {@code $skip=1} just after another row was written and the watermark row was updated.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class WatermarkPagingTest {

    private static final String V2 = "2.0.0";
    private static final String V3 = "3.0.0";

    @Test
    void skipOverTheWatermarkRowStillDeliversARowWrittenBeforeTheWatermarkRowMoved() {
        // Given a caught-up client whose watermark W is the updatedAt of the table's newest row R
        String table = freshTable();
        JsonNode r = insertV2(table, object("id", "r", "text", "at the watermark", "complete", false));
        String watermark = r.path("updatedAt").asText();
        String pull = "$filter=" + jsc("(updatedAt ge datetimeoffset'" + watermark + "')")
                + "&$orderby=updatedAt&$top=50&__includeDeleted=true";
        assertThat(ids(json(list(V2, table, pull)))).containsExactly("r");

        // When another row X is written and then R is updated (moving behind X), before the client's next request
        insertV2(table, object("id", "x", "text", "written in between", "complete", false));
        patchV2(table, "r", object("id", "r", "text", "moved"));

        // Then the client's request that steps over the row at W delivers X as well as the moved R
        JsonNode page = json(list(V2, table, pull + "&$skip=1"));
        assertThat(ids(page)).containsExactly("x", "r");
    }

    @Test
    void datasyncNextLinksContinueAfterTheLastStampSoUpdatesDuringAPullLoseNothing() {
        // Given 150 rows, more than one Datasync page of 100
        String table = freshTable();
        List<ObjectNode> rows = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            rows.add(object("id", String.format("row%03d", i), "text", "t" + i, "complete", false));
        }
        insertManyV2(table, rows);

        // When a Datasync client pulls ordered by updatedAt, and a row of the first page is updated before page two
        JsonNode first = json(list(V3, table, "$orderby=updatedAt&$count=true&__includedeleted=true"));
        List<String> seen = new ArrayList<>(ids(first.path("items")));
        assertThat(seen).hasSize(100);
        String nextLink = first.path("nextLink").asText();
        assertThat(nextLink).doesNotContain("$skip").contains("$filter=");
        patchV2(table, seen.get(0), object("id", seen.get(0), "text", "moved to the end"));
        while (!nextLink.isEmpty() && !nextLink.equals("null")) {
            JsonNode page = json(list(V3, table, nextLink));
            seen.addAll(ids(page.path("items")));
            nextLink = page.path("nextLink").isNull() ? "" : page.path("nextLink").asText();
        }

        // Then every row arrived, and the updated one arrived again with its new state at the end
        assertThat(new HashSet<>(seen)).hasSize(150);
        assertThat(seen).hasSize(151).endsWith(seen.get(0));
    }

    @Test
    void skipOverTheWatermarkRowWithoutConcurrentChangesIsPlainPaging() {
        // Given rows R (the watermark) and X after it, nothing moving
        String table = freshTable();
        JsonNode r = insertV2(table, object("id", "r", "text", "at the watermark", "complete", false));
        insertV2(table, object("id", "x", "text", "after", "complete", false));
        String pull = "$filter=" + jsc("(updatedAt ge datetimeoffset'" + r.path("updatedAt").asText() + "')")
                + "&$orderby=updatedAt&$top=50&__includeDeleted=true";

        // Then $skip=1 and $skip=2 answer exactly as OData paging would
        assertThat(ids(json(list(V2, table, pull + "&$skip=1")))).containsExactly("x");
        assertThat(ids(json(list(V2, table, pull + "&$skip=2")))).isEmpty();
    }
}
