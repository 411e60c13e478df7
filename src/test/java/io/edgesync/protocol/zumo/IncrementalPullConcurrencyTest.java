package io.edgesync.protocol.zumo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.assertj.core.api.SoftAssertions;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

import static io.edgesync.protocol.zumo.ZumoClient.DATE;
import static io.edgesync.protocol.zumo.ZumoClient.JSON;
import static io.edgesync.protocol.zumo.ZumoClient.V2;
import static io.edgesync.protocol.zumo.ZumoClient.V3;
import static io.edgesync.protocol.zumo.ZumoClient.etagOf;
import static io.edgesync.protocol.zumo.ZumoClient.freshTable;
import static io.edgesync.protocol.zumo.ZumoClient.hexId;
import static io.edgesync.protocol.zumo.ZumoClient.jsc;
import static io.edgesync.protocol.zumo.ZumoClient.object;
import static io.edgesync.protocol.zumo.ZumoClient.pct;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proof of the pull invariant (architecture.md; protocol.md Q1-Q3 and 6.5-6.7): while writers insert, update and
 * soft-delete rows concurrently, clients that pull exactly as the JS client (v2, {@code ge} watermark with
 * {@code $skip} on ties) and the Datasync client (v3, {@code gt} delta token, following {@code nextLink}) do end up
 * with a replica equal to the table: no committed change is ever missed.
 *
 * <p> Writers also update the newest row, the one at a caught-up JS client's watermark. That exercises the race in the
 * client's own loop: its page {@code ge W} holds just the watermark row, so it asks again with {@code $skip=1}; if in
 * between another row X is written and then the watermark row itself is updated, plain OData paging would answer
 * {@code [X, row']} minus one and the client would move W past X forever. The gateway reads {@code $skip} on a
 * watermark query as stepping over the single row at W ({@code WatermarkPaging}), so X is delivered.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class IncrementalPullConcurrencyTest {

    private static final Logger LOG = Logger.getLogger(IncrementalPullConcurrencyTest.class);
    private static final int WRITERS = 8;
    private static final Duration WRITE_PHASE = Duration.ofSeconds(4);
    private static final int SEED_ROWS = 20;
    private static final int JSC_PAGE_SIZE = 50;
    /** JSC's initial watermark: {@code new Date(1970, 0, 0)} in a UTC time zone. */
    private static final String JSC_EPOCH = "1969-12-31T00:00:00.000Z";
    private static final int MAX_REQUESTS_PER_PULL = 10_000;

    @TestHTTPResource("/")
    URI root;

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    /** Set when any writer or puller fails, so the others stop early. */
    private final AtomicBoolean failed = new AtomicBoolean();

    @Test
    void incrementalPullsMissNoCommittedChangeUnderConcurrentWriters() throws Exception {
        // Given a fresh table with a few rows
        String table = freshTable();
        List<String> liveIds = new CopyOnWriteArrayList<>();
        for (int i = 0; i < SEED_ROWS; i++) {
            liveIds.add(insert(table, "s" + i + "-" + hexId()));
        }

        // When writers insert, update and soft-delete for a few seconds while pullers keep pulling
        List<JscPuller> jscPullers = List.of(new JscPuller(table), new JscPuller(table));
        CtcPuller ctcPuller = new CtcPuller(table);
        AtomicBoolean writing = new AtomicBoolean(true);
        WriterStats stats = new WriterStats();
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS + jscPullers.size() + 1);
        try {
            Instant deadline = Instant.now().plus(WRITE_PHASE);
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                String prefix = "w" + w;
                writers.add(pool.submit(guarded(() -> write(table, prefix, liveIds, deadline, stats))));
            }
            List<Future<?>> pullers = new ArrayList<>();
            for (JscPuller puller : jscPullers) {
                pullers.add(pool.submit(guarded(() -> pullUntilWritersStop(puller::pull, writing))));
            }
            pullers.add(pool.submit(guarded(() -> pullUntilWritersStop(() -> ctcPuller.pull(writing.get()),
                    writing))));

            for (Future<?> writer : writers) {
                writer.get(WRITE_PHASE.toSeconds() + 60, TimeUnit.SECONDS);
            }
            // Every write has been answered (so committed): from now on a pull must see all of them
            writing.set(false);
            for (Future<?> puller : pullers) {
                puller.get(120, TimeUnit.SECONDS);
            }
        } finally {
            writing.set(false);
            pool.shutdownNow();
            pool.awaitTermination(30, TimeUnit.SECONDS);
        }

        Map<String, RowState> server = readWholeTable(table);
        LOG.infof("%d rows after %d inserts, %d updates, %d deletes (%d 412 retries);"
                + " pulls: JS %d and %d, Datasync %d (%d of them followed nextLink while writers ran)", server.size(),
                stats.inserts.get(), stats.updates.get(), stats.deletes.get(), stats.conflicts.get(),
                jscPullers.get(0).pulls,
                jscPullers.get(1).pulls, ctcPuller.pulls, ctcPuller.multiPagePullsWhileWriting);

        // Then the writers really wrote concurrently
        assertThat(stats.inserts.get()).as("inserts").isPositive();
        assertThat(stats.updates.get()).as("updates").isPositive();
        assertThat(stats.deletes.get()).as("deletes").isPositive();

        // And within the table every updatedAt is distinct
        Map<String, List<String>> idsByStamp = server.entrySet()
                .stream()
                .collect(Collectors.groupingBy(e -> e.getValue().updatedAt(), Collectors.mapping(Map.Entry::getKey,
                        Collectors.toList())));
        Map<String, List<String>> shared = idsByStamp.entrySet()
                .stream()
                .filter(e -> e.getValue().size() > 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertThat(shared).as("updatedAt values shared by several rows of %d", server.size()).isEmpty();

        // And every puller's replica equals the table: same ids, same versions, same deleted flags
        SoftAssertions softly = new SoftAssertions();
        for (int i = 0; i < jscPullers.size(); i++) {
            JscPuller puller = jscPullers.get(i);
            assertReplicaEqualsTable(softly, "JS client puller " + (i + 1) + " (v2, " + puller.pulls + " pulls, "
                    + puller.requests + " requests)", puller.replica, server);
        }
        assertReplicaEqualsTable(softly, "Datasync client puller (v3, " + ctcPuller.pulls + " pulls, "
                + ctcPuller.requests + " requests, " + ctcPuller.multiPagePullsWhileWriting
                + " pulls followed nextLink while writers ran)", ctcPuller.replica, server);
        softly.assertAll();
    }

    // ---- writers --------------------------------------------------------------------------------------------------

    private static final class WriterStats {
        final AtomicInteger inserts = new AtomicInteger();
        final AtomicInteger updates = new AtomicInteger();
        final AtomicInteger deletes = new AtomicInteger();
        final AtomicInteger conflicts = new AtomicInteger();
    }

    private void write(String table, String prefix, List<String> liveIds, Instant deadline, WriterStats stats)
            throws InterruptedException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (Instant.now().isBefore(deadline) && !failed.get()) {
            int dice = random.nextInt(100);
            if (dice < 40 || liveIds.size() < 5) {
                liveIds.add(insert(table, prefix + "-" + hexId()));
                stats.inserts.incrementAndGet();
            } else {
                // Often the newest row: the one a caught-up JS client holds at its watermark
                String target = dice < 55 ? newest(liveIds) : pick(liveIds);
                change(table, target, dice >= 85, liveIds, stats);
            }
            // A short pause keeps the pullers interleaved with the writes instead of starved by them
            Thread.sleep(random.nextInt(3));
        }
    }

    private String insert(String table, String id) {
        HttpResponse<String> response = send("POST", "/tables/" + table, V2, null,
                object("id", id, "text", "new " + id, "complete", false).toString());
        expectStatus(response, 201);
        return id;
    }

    /**
     * Updates (PATCH) or soft-deletes (DELETE) the row with If-Match of the version just read; on 412 retries with the
     * version the server sent back.
     */
    private void change(String table, String id, boolean delete, List<String> liveIds, WriterStats stats) {
        HttpResponse<String> read = send("GET", "/tables/" + table + "/" + id, V2, null, null);
        if (read.statusCode() == 404) {
            liveIds.remove(id);
            return;
        }
        expectStatus(read, 200);
        JsonNode current = parse(read);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 20; attempt++) {
            String path = "/tables/" + table + "/" + id;
            String ifMatch = etagOf(current.path("version").asText());
            HttpResponse<String> response = delete
                    ? send("DELETE", path, V2, ifMatch, null)
                    : send("PATCH", path, V2, ifMatch,
                            object("id", id, "text", "edit " + random.nextInt(), "complete", random.nextBoolean())
                                    .toString());
            switch (response.statusCode()) {
                case 200 -> {
                    if (delete) {
                        stats.deletes.incrementAndGet();
                        liveIds.remove(id);
                    } else {
                        stats.updates.incrementAndGet();
                    }
                    return;
                }
                case 412 -> {
                    stats.conflicts.incrementAndGet();
                    current = parse(response);
                }
                case 404 -> {
                    liveIds.remove(id);
                    return;
                }
                default -> throw unexpected(response);
            }
        }
    }

    private static String newest(List<String> ids) {
        try {
            return ids.get(ids.size() - 1);
        } catch (IndexOutOfBoundsException e) {
            // removed concurrently
            return pick(ids);
        }
    }

    private static String pick(List<String> ids) {
        while (true) {
            int size = ids.size();
            if (size == 0) {
                throw new IllegalStateException("no rows to pick from");
            }
            try {
                return ids.get(ThreadLocalRandom.current().nextInt(size));
            } catch (IndexOutOfBoundsException shrunk) {
                // another writer removed a row in between; pick again
            }
        }
    }

    // ---- pullers --------------------------------------------------------------------------------------------------

    /** What a client holds locally for a row: the state it last pulled. */
    private record RowState(String version, boolean deleted, String updatedAt) {

        static RowState of(JsonNode item) {
            JsonNode deleted = item.path("deleted");
            if (!deleted.isBoolean()) {
                // JSC aborts the pull: "'deleted' system property is missing"
                throw new AssertionError("pulled row without boolean deleted: " + item);
            }
            String updatedAt = item.path("updatedAt").asText();
            if (!DATE.matcher(updatedAt).matches()) {
                throw new AssertionError("pulled row with an updatedAt clients cannot parse: " + item);
            }
            return new RowState(item.path("version").asText(), deleted.asBoolean(), updatedAt);
        }

        boolean sameAs(RowState other) {
            return version.equals(other.version) && deleted == other.deleted;
        }
    }

    private void pullUntilWritersStop(Runnable pull, AtomicBoolean writing) {
        while (writing.get() && !failed.get()) {
            pull.run();
        }
        // The last pull starts after every write was acknowledged
        pull.run();
    }

    /** The JS client's incremental pull (protocol.md 6.5) with its watermark kept across pulls. */
    private final class JscPuller {
        final String table;
        final Map<String, RowState> replica = new HashMap<>();
        String watermark = JSC_EPOCH;
        int pulls;
        int requests;

        JscPuller(String table) {
            this.table = table;
        }

        void pull() {
            int skip = 0;
            for (int request = 0; request < MAX_REQUESTS_PER_PULL; request++) {
                String query = "$filter=" + jsc("(updatedAt ge datetimeoffset'" + watermark + "')")
                        + "&$orderby=updatedAt" + (skip > 0 ? "&$skip=" + skip : "") + "&$top=" + JSC_PAGE_SIZE
                        + "&__includeDeleted=true";
                HttpResponse<String> response = send("GET", "/tables/" + table + "?" + query, V2, null, null);
                requests++;
                expectStatus(response, 200);
                JsonNode page = parse(response);
                if (!page.isArray()) {
                    throw new AssertionError("v2 pull page is not an array: " + response.body());
                }
                if (page.isEmpty()) {
                    pulls++;
                    return;
                }
                for (JsonNode item : page) {
                    replica.put(item.path("id").asText(), RowState.of(item));
                }
                String last = page.get(page.size() - 1).path("updatedAt").asText();
                if (Instant.parse(last).equals(Instant.parse(watermark))) {
                    skip += page.size();
                } else {
                    watermark = last;
                    skip = 0;
                }
            }
            throw new AssertionError("JS client pull did not end within " + MAX_REQUESTS_PER_PULL + " requests");
        }
    }

    /** The Datasync client's pull (protocol.md 6.7): delta token T, {@code gt}, nextLink until null. */
    private final class CtcPuller {
        final String table;
        final Map<String, RowState> replica = new HashMap<>();
        String token;
        int pulls;
        int requests;
        int multiPagePullsWhileWriting;

        CtcPuller(String table) {
            this.table = table;
        }

        void pull(boolean writersRunning) {
            String query = (token == null
                    ? ""
                    : "$filter=" + pct("(updatedAt gt cast(" + token + ",Edm.DateTimeOffset))") + "&")
                    + "$orderby=updatedAt&$count=true&__includedeleted=true";
            for (int page = 1; page <= MAX_REQUESTS_PER_PULL; page++) {
                HttpResponse<String> response = send("GET", "/tables/" + table + "?" + query, V3, null, null);
                requests++;
                expectStatus(response, 200);
                JsonNode body = parse(response);
                if (!body.path("items").isArray()) {
                    throw new AssertionError("v3 page without items: " + response.body());
                }
                for (JsonNode item : body.path("items")) {
                    RowState state = RowState.of(item);
                    replica.put(item.path("id").asText(), state);
                    if (token == null || Instant.parse(state.updatedAt()).isAfter(Instant.parse(token))) {
                        token = state.updatedAt();
                    }
                }
                JsonNode nextLink = body.path("nextLink");
                if (nextLink.isNull() || nextLink.isMissingNode()) {
                    pulls++;
                    if (page > 1 && writersRunning) {
                        multiPagePullsWhileWriting++;
                    }
                    return;
                }
                // The client appends nextLink to the table URL as its query; .NET's Uri escapes stray spaces
                query = nextLink.asText().replace(" ", "%20");
            }
            throw new AssertionError("Datasync client pull did not end within " + MAX_REQUESTS_PER_PULL + " pages");
        }
    }

    // ---- the table as it is at the end ----------------------------------------------------------------------------

    /** Every row, tombstones included, read page by page with $skip once nothing writes any more. */
    private Map<String, RowState> readWholeTable(String table) {
        Map<String, RowState> rows = new LinkedHashMap<>();
        Set<String> readTwice = new TreeSet<>();
        for (int skip = 0;; skip += JSC_PAGE_SIZE) {
            HttpResponse<String> response = send("GET",
                    "/tables/" + table + "?__includeDeleted=true&$top=" + JSC_PAGE_SIZE + "&$skip=" + skip, V2, null,
                    null);
            expectStatus(response, 200);
            JsonNode page = parse(response);
            assertThat(page.isArray()).as("page at $skip=%d is an array", skip).isTrue();
            if (page.isEmpty()) {
                break;
            }
            for (JsonNode item : page) {
                if (rows.put(item.path("id").asText(), RowState.of(item)) != null) {
                    readTwice.add(item.path("id").asText());
                }
            }
        }
        assertThat(readTwice).as("ids read twice while paging the quiet table").isEmpty();
        return rows;
    }

    private static void assertReplicaEqualsTable(SoftAssertions softly, String puller, Map<String, RowState> replica,
            Map<String, RowState> table) {
        Set<String> missed = new TreeSet<>(table.keySet());
        missed.removeAll(replica.keySet());
        Set<String> unknown = new TreeSet<>(replica.keySet());
        unknown.removeAll(table.keySet());
        List<String> stale = new ArrayList<>();
        for (Map.Entry<String, RowState> row : table.entrySet()) {
            RowState local = replica.get(row.getKey());
            if (local != null && !local.sameAs(row.getValue())) {
                stale.add(row.getKey() + ": replica " + local + ", table " + row.getValue());
            }
        }
        softly.assertThat(missed)
                .as("%s: rows never pulled (%d of %d): %s", puller, missed.size(), table.size(),
                        missed.stream().map(id -> id + " " + table.get(id)).toList())
                .isEmpty();
        softly.assertThat(stale)
                .as("%s: rows whose last change was never pulled (%d of %d)", puller, stale.size(), table.size())
                .isEmpty();
        softly.assertThat(unknown).as("%s: pulled ids the table does not have", puller).isEmpty();
    }

    // ---- HTTP -----------------------------------------------------------------------------------------------------

    private HttpResponse<String> send(String method, String pathAndQuery, String version, String ifMatch,
            String body) {
        String base = root.toString().replaceAll("/+$", "");
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                .timeout(Duration.ofSeconds(30))
                .header(ZumoClient.VERSION_HEADER, version);
        if (ifMatch != null) {
            request.header("If-Match", ifMatch);
        }
        if (body != null) {
            request.header("Content-Type", "application/json")
                    .method(method,
                            HttpRequest.BodyPublishers.ofString(body));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + pathAndQuery, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + method + " " + pathAndQuery, e);
        }
    }

    private static JsonNode parse(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + describe(response), e);
        }
    }

    private static void expectStatus(HttpResponse<String> response, int status) {
        if (response.statusCode() != status) {
            throw new AssertionError("expected " + status + ": " + describe(response));
        }
    }

    private static AssertionError unexpected(HttpResponse<String> response) {
        return new AssertionError("unexpected answer: " + describe(response));
    }

    private static String describe(HttpResponse<String> response) {
        return response.request().method() + " " + response.request().uri() + " -> " + response.statusCode() + " "
                + response.body();
    }

    /** A task that flags the whole run as failed when it throws, so that the other threads stop early. */
    private Runnable guarded(ThrowingRunnable task) {
        return () -> {
            try {
                task.run();
            } catch (Throwable t) {
                failed.set(true);
                if (t instanceof RuntimeException runtime) {
                    throw runtime;
                }
                if (t instanceof Error error) {
                    throw error;
                }
                throw new IllegalStateException(t);
            }
        };
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
