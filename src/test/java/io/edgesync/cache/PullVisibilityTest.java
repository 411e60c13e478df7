package io.edgesync.cache;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.inject.Inject;

import org.assertj.core.api.SoftAssertions;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.protocol.zumo.ZumoClient;
import io.edgesync.security.Caller;
import io.edgesync.sync.AnswerFormat;
import io.edgesync.sync.WriteCall;
import io.edgesync.sync.WriteRequest;
import io.edgesync.sync.WriteService;
import io.edgesync.testsupport.DatasyncClientPuller;
import io.edgesync.testsupport.FailFast;
import io.edgesync.testsupport.GatewayHttp;
import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.JsClientPuller;
import io.edgesync.testsupport.NativeClientPuller;
import io.edgesync.testsupport.PulledRow;
import io.edgesync.testsupport.Replicas;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pull invariant of ADR 0003 under randomized concurrency: many writers change one table at once (inserts, updates
 * and deletes through the table protocol, native batches, and transactions of the gateway's own write code that wait a
 * random 0-20 ms before they commit or roll back), changes of the central service's stream arrive at the same time
 * (also in slow transactions), and clients pull all along exactly as the JS client ({@code ge} watermark,
 * {@code $skip}), the Datasync client ({@code gt}, next links) and a native client (tokens) do. At the end every puller
 * holds exactly the table's final state: no pull missed a committed change.
 *
 * <p> Stamps are drawn before commit, so without the visibility horizon a transaction that drew a stamp and commits
 * late lands below a watermark a puller already passed: this test then reports rows never pulled or stale.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class PullVisibilityTest {

    private static final Logger LOG = Logger.getLogger(PullVisibilityTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WRITE_PHASE = Duration.ofSeconds(5);
    private static final int SLOW_WRITERS = 6;
    private static final int MAX_COMMIT_DELAY_MILLIS = 20;
    private static final int ROLLBACK_PERCENT = 8;
    private static final WriteCall SLOW_WRITER = new WriteCall(Caller.ANONYMOUS, Optional.empty(), "native",
            Optional.empty(), (seq, operationId, request, table, outcome, stops) -> new AnswerFormat.Answer("applied",
                    Optional.empty(), JSON.createObjectNode()));

    @TestHTTPResource("/")
    URI root;

    @Inject
    Pool pool;

    @Inject
    ChangeStreamApplier records;

    @Inject
    RecordStore store;

    @Inject
    WriteService writes;

    @Inject
    TableCatalog catalog;

    @Inject
    VisibilityHorizon horizon;

    private final FailFast run = new FailFast();
    private final AtomicInteger commits = new AtomicInteger();
    private final AtomicInteger rollbacks = new AtomicInteger();
    private final AtomicInteger replicated = new AtomicInteger();
    private final AtomicLong masterSeq = new AtomicLong(1_000_000);

    @Test
    void everyPullerEndsWithTheTablesStateUnderRandomConcurrentWritesAndLateCommits() throws Exception {
        // Given a table with a few rows
        GatewayHttp http = new GatewayHttp(root);
        String table = "vis" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        List<String> ids = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 20; i++) {
            String id = "seed" + i;
            GatewayHttp.expect(http.send("POST", "/tables/" + table, ZumoClient.V2, null,
                    JSON.createObjectNode().put("id", id).put("text", "seed").toString()), 201);
            ids.add(id);
        }
        TableInfo info = catalog.findTable(table).await().atMost(Duration.ofSeconds(10)).orElseThrow();

        // When writers of every kind run at once while clients pull
        List<JsClientPuller> jsPullers = List.of(new JsClientPuller(http, table), new JsClientPuller(http, table));
        DatasyncClientPuller datasyncPuller = new DatasyncClientPuller(http, table);
        NativeClientPuller nativePuller = new NativeClientPuller(http, table, "puller-" + UUID.randomUUID(), 40);
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService threads = Executors.newFixedThreadPool(SLOW_WRITERS + 9);
        try {
            Instant deadline = Instant.now().plus(WRITE_PHASE);
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < SLOW_WRITERS; w++) {
                writers.add(threads.submit(run.guarded(() -> slowTransactions(info, ids, deadline))));
            }
            writers.add(threads.submit(run.guarded(() -> zumoWrites(http, table, ids, deadline))));
            writers.add(threads.submit(run.guarded(() -> zumoWrites(http, table, ids, deadline))));
            writers.add(threads.submit(run.guarded(() -> nativeBatches(http, table, ids, deadline))));
            writers.add(threads.submit(run.guarded(() -> replicatedBatches(table, ids, deadline))));
            List<Future<?>> pullers = new ArrayList<>();
            for (JsClientPuller puller : jsPullers) {
                pullers.add(threads.submit(run.guarded(() -> pullWhile(writing, puller::pull))));
            }
            pullers.add(threads.submit(run.guarded(() -> pullWhile(writing, datasyncPuller::pull))));
            pullers.add(threads.submit(run.guarded(() -> pullWhile(writing, nativePuller::pull))));

            for (Future<?> writer : writers) {
                writer.get(WRITE_PHASE.toSeconds() + 60, TimeUnit.SECONDS);
            }
            writing.set(false);
            for (Future<?> puller : pullers) {
                puller.get(120, TimeUnit.SECONDS);
            }
        } finally {
            writing.set(false);
            threads.shutdownNow();
            threads.awaitTermination(30, TimeUnit.SECONDS);
        }

        // Every transaction has ended: once what they committed is visible, one more pull each
        horizon.awaitAllVisible(Duration.ofSeconds(30)).await().atMost(Duration.ofSeconds(40));
        jsPullers.forEach(JsClientPuller::pull);
        datasyncPuller.pull();
        nativePuller.pull();

        // Then the writers really interleaved, late commits and rollbacks included
        Map<String, PulledRow> rows = readTable(table);
        LOG.infof("%d rows; %d slow commits, %d rollbacks, %d replicated changes; %s, %s, %s, %s", rows.size(),
                commits.get(), rollbacks.get(), replicated.get(), jsPullers.get(0).describe(),
                jsPullers.get(1).describe(), datasyncPuller.describe(), nativePuller.describe());
        assertThat(commits.get()).as("slow transactions committed").isGreaterThan(50);
        assertThat(rollbacks.get()).as("slow transactions rolled back").isPositive();
        assertThat(replicated.get()).as("replicated changes").isPositive();

        // And every puller holds exactly the table's final state
        SoftAssertions softly = new SoftAssertions();
        for (JsClientPuller puller : jsPullers) {
            Replicas.assertHoldsTable(softly, puller.describe(), puller.replica(), rows);
        }
        Replicas.assertHoldsTable(softly, datasyncPuller.describe(), datasyncPuller.replica(), rows);
        Replicas.assertHoldsLiveRowsAndTheirTombstones(softly, nativePuller.describe(), nativePuller.replica(),
                rows);
        softly.assertThat(nativePuller.repeats()).as("changes a token delivered twice").isEmpty();
        softly.assertAll();
    }

    // ---- writers --------------------------------------------------------------------------------------------------

    /**
     * Transactions of the gateway's own write code and of the change stream's apply that wait before they end: the
     * stamp is drawn, the row written and locked, and the commit (or rollback) comes 0-20 ms later.
     */
    private void slowTransactions(TableInfo table, List<String> ids, Instant deadline) throws Exception {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (Instant.now().isBefore(deadline) && !run.failed()) {
            SqlConnection connection = pool.getConnection().await().atMost(Duration.ofSeconds(10));
            try {
                Transaction tx = connection.begin().await().atMost(Duration.ofSeconds(10));
                boolean rollback = random.nextInt(100) < ROLLBACK_PERCENT;
                String insertedId = null;
                if (random.nextInt(5) == 0) {
                    String id = random.nextBoolean() ? pick(ids) : "m" + UUID.randomUUID();
                    records.applyReplicatedChanges(connection, List.of(new ChangeStreamApplier.ReplicatedChange(
                            table.name(), id, text("slow central " + id), UUID.randomUUID().toString(),
                            random.nextInt(8) == 0, masterSeq.incrementAndGet(), Optional.empty())))
                            .await()
                            .atMost(Duration.ofSeconds(10));
                    insertedId = id;
                } else {
                    WriteRequest request = randomRequest(table.name(), ids);
                    writes.writeInTransaction(connection, SLOW_WRITER, List.of(request))
                            .await()
                            .atMost(Duration.ofSeconds(10));
                    if (request.kind().equals(WriteRequest.INSERT)) {
                        insertedId = request.id().orElseThrow();
                    }
                }
                Thread.sleep(random.nextInt(MAX_COMMIT_DELAY_MILLIS + 1));
                if (rollback) {
                    tx.rollback().await().atMost(Duration.ofSeconds(10));
                    rollbacks.incrementAndGet();
                } else {
                    tx.commit().await().atMost(Duration.ofSeconds(10));
                    commits.incrementAndGet();
                    if (insertedId != null) {
                        ids.add(insertedId);
                    }
                }
            } finally {
                connection.close().await().atMost(Duration.ofSeconds(10));
            }
        }
    }

    private static WriteRequest randomRequest(String table, List<String> ids) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int dice = random.nextInt(100);
        if (dice < 35) {
            return request(table, WriteRequest.INSERT, "s" + UUID.randomUUID(), Optional.of(text("slow insert")));
        }
        if (dice < 85) {
            return request(table, WriteRequest.UPDATE, pick(ids), Optional.of(text("slow edit " + random.nextInt())));
        }
        return request(table, WriteRequest.DELETE, pick(ids), Optional.empty());
    }

    private static WriteRequest request(String table, String kind, String id, Optional<ObjectNode> item) {
        return new WriteRequest(table, kind, Optional.of(id), item, Precondition.NONE, Optional.empty(),
                Optional.empty(), Optional.empty(), true, false, false);
    }

    /** Single operations of the table protocol: inserts, merges and deletes without preconditions. */
    private void zumoWrites(GatewayHttp http, String table, List<String> ids, Instant deadline) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (Instant.now().isBefore(deadline) && !run.failed()) {
            int dice = random.nextInt(100);
            if (dice < 40) {
                String id = "z" + UUID.randomUUID();
                GatewayHttp.expect(http.send("POST", "/tables/" + table, ZumoClient.V2, null,
                        JSON.createObjectNode().put("id", id).put("text", "zumo").toString()), 201);
                ids.add(id);
            } else {
                String id = pick(ids);
                int status = dice < 85
                        ? http.send("PATCH", "/tables/" + table + "/" + id, ZumoClient.V2, null,
                                JSON.createObjectNode().put("text", "zumo edit " + dice).toString()).statusCode()
                        : http.send("DELETE", "/tables/" + table + "/" + id, ZumoClient.V2, null, null).statusCode();
                assertThat(status).as("answer to a write of %s", id).isIn(200, 404);
            }
        }
    }

    /** Native batches of five operations. */
    private void nativeBatches(GatewayHttp http, String table, List<String> ids, Instant deadline) {
        String device = "batcher-" + UUID.randomUUID();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (Instant.now().isBefore(deadline) && !run.failed()) {
            ObjectNode body = JSON.createObjectNode();
            ArrayNode operations = body.putArray("operations");
            List<String> inserted = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int dice = random.nextInt(10);
                ObjectNode op = operations.addObject()
                        .put("operationId", UUID.randomUUID().toString())
                        .put("table", table);
                if (dice < 4) {
                    String id = "n" + UUID.randomUUID();
                    inserted.add(id);
                    op.put("kind", "insert").put("id", id).set("item", text("native"));
                } else if (dice < 9) {
                    op.put("kind", "update").put("id", pick(ids)).set("item", text("native edit " + dice));
                } else {
                    op.put("kind", "delete").put("id", pick(ids));
                }
            }
            GatewayHttp.expect(http.send("POST", "/sync/v1/devices/" + device + "/push", null, null, body.toString()),
                    200);
            ids.addAll(inserted);
        }
    }

    /** Batches of the central service's change stream, applied as the Kafka consumer applies them. */
    private void replicatedBatches(String table, List<String> ids, Instant deadline) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (Instant.now().isBefore(deadline) && !run.failed()) {
            List<ChangeStreamApplier.ReplicatedChange> changes = new ArrayList<>();
            List<String> fresh = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String id = random.nextBoolean() ? pick(ids) : "c" + UUID.randomUUID();
                if (!ids.contains(id)) {
                    fresh.add(id);
                }
                changes.add(new ChangeStreamApplier.ReplicatedChange(table, id, text("central " + i),
                        UUID.randomUUID().toString(), random.nextInt(10) == 0, masterSeq.incrementAndGet(),
                        Optional.empty()));
            }
            records.applyReplicatedChanges(changes).await().atMost(Duration.ofSeconds(30));
            replicated.addAndGet(changes.size());
            ids.addAll(fresh);
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private void pullWhile(AtomicBoolean writing, Runnable pull) {
        while (writing.get() && !run.failed()) {
            pull.run();
        }
    }

    /** Every row of the table, tombstones included, straight from the database. */
    private Map<String, PulledRow> readTable(String table) {
        Map<String, PulledRow> rows = new HashMap<>();
        for (Row row : pool.preparedQuery("SELECT id, version, deleted FROM sync_record WHERE table_name = $1")
                .execute(Tuple.of(table))
                .await()
                .atMost(Duration.ofSeconds(30))) {
            rows.put(row.getString("id"), new PulledRow(row.getString("version"), row.getBoolean("deleted"), ""));
        }
        return rows;
    }

    private static ObjectNode text(String text) {
        return JSON.createObjectNode().put("text", text);
    }

    private static String pick(List<String> ids) {
        return ids.get(ThreadLocalRandom.current().nextInt(ids.size()));
    }
}
