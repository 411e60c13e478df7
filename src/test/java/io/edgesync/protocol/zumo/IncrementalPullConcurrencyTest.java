package io.edgesync.protocol.zumo;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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

import io.edgesync.testsupport.DatasyncClientPuller;
import io.edgesync.testsupport.FailFast;
import io.edgesync.testsupport.GatewayHttp;
import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.JsClientPuller;
import io.edgesync.testsupport.PulledRow;
import io.edgesync.testsupport.Replicas;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

import static io.edgesync.protocol.zumo.ZumoClient.V2;
import static io.edgesync.protocol.zumo.ZumoClient.etagOf;
import static io.edgesync.protocol.zumo.ZumoClient.freshTable;
import static io.edgesync.protocol.zumo.ZumoClient.hexId;
import static io.edgesync.protocol.zumo.ZumoClient.object;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proof of the pull invariant (docs/architecture.md; docs/protocol.md Q1-Q3 and 6.5-6.7): while writers insert,
 * update and soft-delete rows concurrently, clients that pull exactly as the JS client (v2, {@code ge} watermark with
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

    @TestHTTPResource("/")
    URI root;

    private GatewayHttp http;

    /** Set when any writer or puller fails, so the others stop early. */
    private final FailFast run = new FailFast();

    @Test
    void incrementalPullsMissNoCommittedChangeUnderConcurrentWriters() throws Exception {
        // Given a fresh table with a few rows
        http = new GatewayHttp(root);
        String table = freshTable();
        List<String> liveIds = new CopyOnWriteArrayList<>();
        for (int i = 0; i < SEED_ROWS; i++) {
            liveIds.add(insert(table, "s" + i + "-" + hexId()));
        }

        // When writers insert, update and soft-delete for a few seconds while pullers keep pulling
        List<JsClientPuller> jscPullers = List.of(new JsClientPuller(http, table), new JsClientPuller(http, table));
        DatasyncClientPuller ctcPuller = new DatasyncClientPuller(http, table);
        AtomicBoolean writing = new AtomicBoolean(true);
        WriterStats stats = new WriterStats();
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS + jscPullers.size() + 1);
        try {
            Instant deadline = Instant.now().plus(WRITE_PHASE);
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                String prefix = "w" + w;
                writers.add(pool.submit(run.guarded(() -> write(table, prefix, liveIds, deadline, stats))));
            }
            List<Future<?>> pullers = new ArrayList<>();
            for (JsClientPuller puller : jscPullers) {
                pullers.add(pool.submit(run.guarded(() -> pullUntilWritersStop(puller::pull, writing))));
            }
            pullers.add(pool.submit(run.guarded(() -> pullUntilWritersStop(ctcPuller::pull, writing))));

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

        Map<String, PulledRow> server = readWholeTable(table);
        LOG.infof("%d rows after %d inserts, %d updates, %d deletes (%d 412 retries); pullers: %s, %s, %s",
                server.size(), stats.inserts.get(), stats.updates.get(), stats.deletes.get(), stats.conflicts.get(),
                jscPullers.get(0).describe(), jscPullers.get(1).describe(), ctcPuller.describe());

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
            JsClientPuller puller = jscPullers.get(i);
            Replicas.assertHoldsTable(softly, "puller " + (i + 1) + ", " + puller.describe(), puller.replica(),
                    server);
        }
        Replicas.assertHoldsTable(softly, ctcPuller.describe(), ctcPuller.replica(), server);
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
        while (Instant.now().isBefore(deadline) && !run.failed()) {
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

    private void pullUntilWritersStop(Runnable pull, AtomicBoolean writing) {
        while (writing.get() && !run.failed()) {
            pull.run();
        }
        // The last pull starts after every write was acknowledged
        pull.run();
    }

    // ---- the table as it is at the end ----------------------------------------------------------------------------

    /** Every row, tombstones included, read page by page with $skip once nothing writes any more. */
    private Map<String, PulledRow> readWholeTable(String table) {
        Map<String, PulledRow> rows = new LinkedHashMap<>();
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
                if (rows.put(item.path("id").asText(), PulledRow.of(item)) != null) {
                    readTwice.add(item.path("id").asText());
                }
            }
        }
        assertThat(readTwice).as("ids read twice while paging the quiet table").isEmpty();
        return rows;
    }

    private HttpResponse<String> send(String method, String pathAndQuery, String version, String ifMatch,
            String body) {
        return http.send(method, pathAndQuery, version, ifMatch, body);
    }

    private static JsonNode parse(HttpResponse<String> response) {
        return GatewayHttp.parse(response);
    }

    private static void expectStatus(HttpResponse<String> response, int status) {
        GatewayHttp.expect(response, status);
    }

    private static AssertionError unexpected(HttpResponse<String> response) {
        return GatewayHttp.unexpected(response);
    }
}
