package io.edgesync.protocol.zumo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
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
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.restassured.response.Response;

import static io.edgesync.protocol.zumo.ZumoClient.V2;
import static io.edgesync.protocol.zumo.ZumoClient.asMaps;
import static io.edgesync.protocol.zumo.ZumoClient.assertItemResponse;
import static io.edgesync.protocol.zumo.ZumoClient.assertListResponse;
import static io.edgesync.protocol.zumo.ZumoClient.assertSuccessBody;
import static io.edgesync.protocol.zumo.ZumoClient.deleteV2;
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
import static io.edgesync.protocol.zumo.ZumoClient.queryParameters;
import static io.edgesync.protocol.zumo.ZumoClient.v2;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fixtures, the JS client's pull loop and the assertions the conformance cases of docs/protocol.md section 8 share
 * (ZumoVersionAndCorsTest, ZumoInsertTest, ZumoReadTest, ZumoUpdateTest, ZumoDeleteTest, ZumoQueryTest,
 * ZumoIncrementalPullTest, DatasyncTest, ZumoResponseShapeTest), which run, with the gateway rules of Appendix B,
 * against the real application, PostgreSQL and Kafka. Tests share one database and run in any order: each creates its
 * own rows with unique ids, and every test whose result depends on how many rows a table holds uses a fresh table of
 * its own.
 */
final class ConformanceFixtures {

    static final String TODOITEM = "todoitem";

    /** The 120 live rows of cases 27-29, written once and only read afterwards. */
    private static RowsFixture rows120;

    private ConformanceFixtures() {
    }

    // ---- fixtures -------------------------------------------------------------------------------------------------

    /** A table of 120 live rows (hex ids; complete = even index); {@code ids} sorted, {@code incompleteIds} too. */
    record RowsFixture(String table, List<String> ids, List<String> incompleteIds) {
    }

    static synchronized RowsFixture rows120() {
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
    record PullFixture(String table, List<JsonNode> expected) {

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

    static PullFixture pullFixture() {
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
    record TombstoneFixture(String table, List<String> liveIds, String deletedId, List<String> allIds) {
    }

    static TombstoneFixture tombstoneFixture() {
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
    record FilterFixture(String table, Map<String, String> idByText) {

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
    static FilterFixture filterFixture() {
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
    static FilterFixture filterFixture(String... texts) {
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
    record PullLoop(List<String> deliveredIds, Map<String, JsonNode> lastSeen, boolean endedWithEmptyPage) {
    }

    static PullLoop jscPull(String table, int pageSize) {
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
    static List<JsonNode> insertAtOnce(String table, int count) throws Exception {
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
    static String assertNextLink(Response response, String table, int skip) {
        String link = response.header("Link");
        assertThat(link).as("Link header").isNotNull();
        assertThat(link).as("Link header")
                .matches("^https?://[^ <>]+/tables/" + table + "\\?[^ ]*\\$skip=" + skip + "[^ ]*; rel=next$");
        String url = link.substring(0, link.lastIndexOf(';'));
        assertThat(queryParameters(url)).as("Link query of %s", url).containsEntry("$skip", Integer.toString(skip));
        return url;
    }

    /** A v3 page: exactly items, count and nextLink, every item with its system properties. */
    static void assertV3Page(Response response, JsonNode body) {
        assertSuccessBody(response, body);
        assertThat(fieldNames(body)).as("page members of %s", body)
                .containsExactlyInAnyOrder("items", "count", "nextLink");
        assertThat(body.path("items").isArray()).as("items is an array").isTrue();
        body.path("items").forEach(ZumoClient::assertSystemProperties);
    }

    /** A v3 nextLink as the Datasync client needs it: a bare query string with $skip and $count; returns it. */
    static String assertQueryStringNextLink(JsonNode page, int skip) {
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

    static JsonNode undeleteV2(String table, String id) {
        Response response = v2().noContentType().when().post("/tables/{table}/{id}", table, id);
        assertThat(response.statusCode()).as("status of %s", response.asString()).isBetween(200, 299);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        assertThat(item.path("deleted").asBoolean(true)).isFalse();
        return item;
    }

    static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new LinkedHashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The comma-separated tokens of a header, trimmed and lower case (empty when the header is absent). */
    static List<String> tokens(String header) {
        if (header == null) {
            return List.of();
        }
        return Arrays.stream(header.split(",")).map(t -> t.trim().toLowerCase(Locale.ROOT)).toList();
    }
}
