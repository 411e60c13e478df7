package io.edgesync.sync;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.ChangeStreamApplier;
import io.edgesync.central.CentralTableService;
import io.edgesync.events.CudEvent;
import io.edgesync.events.Items;
import io.edgesync.protocol.zumo.ZumoClient;
import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * What a write costs the database, counted by PostgreSQL itself ({@code pg_stat_statements}): a native batch runs each
 * statement of the write path once, whatever its size, and a table-protocol insert or update is one statement that
 * commits on its own.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class DatabaseCostTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Text that tells the write path's statements apart; a statement counts for the first name whose text it contains
     * (the single write contains the device registration and a record lock too).
     */
    private static final Map<String, String> WRITE_PATH = new LinkedHashMap<>();

    static {
        WRITE_PATH.put("single write", "es_require((SELECT count(*) FROM written)");
        WRITE_PATH.put("batch write", "new_rows AS (");
        WRITE_PATH.put("device registration", "INSERT INTO device (id, first_seen");
        WRITE_PATH.put("queue positions", "UPDATE device SET next_seq");
        WRITE_PATH.put("earlier answers", "SELECT d.result FROM device_operation d");
        WRITE_PATH.put("parked tables", "SELECT DISTINCT table_name FROM device_operation");
        WRITE_PATH.put("record locks", "FOR UPDATE OF r");
        WRITE_PATH.put("stamps", "es_stamp(t.name, t.n)");
        WRITE_PATH.put("table-protocol page or count", "FROM sync_record r WHERE r.table_name = $1");
        WRITE_PATH.put("native page", "r.updated_at > es_stamp_time($2)");
        WRITE_PATH.put("purge mark", "SELECT purged_through FROM sync_table");
    }

    /** The central service's statements, told apart the same way. */
    private static final Map<String, String> CENTRAL = new LinkedHashMap<>();

    static {
        CENTRAL.put("events recorded", "INSERT INTO central_event");
        CENTRAL.put("master rows locked", "FROM central_record m");
        CENTRAL.put("master positions", "AS seq FROM generate_series");
        CENTRAL.put("merge bases", "FROM record_version v");
        CENTRAL.put("batch written", "INSERT INTO central_table (name)");
    }

    /** The statements of an edge that applies the change stream, told apart the same way. */
    private static final Map<String, String> CHANGE_STREAM = new LinkedHashMap<>();

    static {
        CHANGE_STREAM.put("echoes confirmed", "SET master_seq = c.seq");
        CHANGE_STREAM.put("records locked", "r.master_seq, r.deleted, r.own_event FROM sync_record r");
        CHANGE_STREAM.put("stamps", "es_stamp(t.name, t.n)");
        CHANGE_STREAM.put("batch written", "inserted AS (");
    }

    @Inject
    CentralTableService central;

    @Inject
    ChangeStreamApplier records;

    @Inject
    Pool pool;

    @BeforeEach
    void countStatements() {
        pool.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
                .execute()
                .await()
                .atMost(Duration.ofSeconds(10));
    }

    @Test
    void aNativeBatchRunsEachWriteStatementOnceWhateverItsSize() throws Exception {
        // Given a table and a device that pushed before
        String table = "stmts" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String device = "device-" + UUID.randomUUID();
        push(device, table, 1);

        // When the device pushes 10 operations, then 200
        Map<String, Long> before = quietCalls();
        push(device, table, 10);
        Map<String, Long> afterTen = calls();
        push(device, table, 200);
        Map<String, Long> afterTwoHundred = calls();

        // Then each statement of the write path ran once per batch, for 10 operations as for 200
        Map<String, Long> perBatchOfTen = delta(before, afterTen);
        Map<String, Long> perBatchOfTwoHundred = delta(afterTen, afterTwoHundred);
        Map<String, Long> once = none();
        List.of("device registration", "queue positions", "earlier answers", "parked tables", "record locks",
                "stamps", "batch write").forEach(name -> once.put(name, 1L));
        assertThat(perBatchOfTen).isEqualTo(once);
        assertThat(perBatchOfTwoHundred).isEqualTo(once);
    }

    @Test
    void theCentralServiceRunsEachStatementOnceForABatchOfEventsWhateverItsSize() throws Exception {
        // Given batches of CUD events: inserts of new records of a merge table, then updates of them from their
        // versions (whose merge bases are looked up)
        Map<String, Long> before = quietCalls(CENTRAL);

        // When the central service processes a batch of 10 events, then one of 100
        // Then every event applied, and each of its statements ran once per batch, for 10 events as for 100
        eachStatementOncePerBatch(CENTRAL, before, () -> central.processEvents(insertsThenUpdates(5)),
                () -> central.processEvents(insertsThenUpdates(50)), CentralTableService.Outcome.APPLIED);
    }

    @Test
    void anEdgeAppliesABatchOfTheChangeStreamWithEachStatementOnceWhateverItsSize() throws Exception {
        // Given batches of the change stream: new records of another edge, each changed again in the same batch
        String table = "stream" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        records.applyReplicatedChanges(newThenChanged(table, 1, 1)).await().atMost(Duration.ofSeconds(30));
        Map<String, Long> before = quietCalls(CHANGE_STREAM);

        // When the edge applies a batch of 10 changes, then one of 100
        // Then every change applied, and each statement ran once per batch, for 10 changes as for 100
        eachStatementOncePerBatch(CHANGE_STREAM, before,
                () -> records.applyReplicatedChanges(newThenChanged(table, 5, 100)),
                () -> records.applyReplicatedChanges(newThenChanged(table, 50, 200)),
                ChangeStreamApplier.ReplicationOutcome.APPLIED);
    }

    /**
     * Runs a batch of 10, then one of 100, and checks that every item of both had {@code outcome} and that each of
     * {@code statements} ran once per batch.
     */
    private <T> void eachStatementOncePerBatch(Map<String, String> statements, Map<String, Long> before,
            Supplier<Uni<List<T>>> ten, Supplier<Uni<List<T>>> hundred, T outcome) {
        List<T> tenOutcomes = ten.get().await().atMost(Duration.ofSeconds(30));
        Map<String, Long> afterTen = calls(statements);
        List<T> hundredOutcomes = hundred.get().await().atMost(Duration.ofSeconds(30));
        Map<String, Long> afterHundred = calls(statements);
        assertThat(tenOutcomes).hasSize(10).containsOnly(outcome);
        assertThat(hundredOutcomes).hasSize(100).containsOnly(outcome);
        Map<String, Long> once = new HashMap<>();
        statements.keySet().forEach(name -> once.put(name, 1L));
        assertThat(delta(before, afterTen)).isEqualTo(once);
        assertThat(delta(afterTen, afterHundred)).isEqualTo(once);
    }

    /** {@code count} new records of another edge, then a change of each, from master position {@code firstSeq}. */
    private static List<ChangeStreamApplier.ReplicatedChange> newThenChanged(String table, int count, long firstSeq) {
        List<ChangeStreamApplier.ReplicatedChange> changes = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add("cost-" + UUID.randomUUID());
        }
        long seq = firstSeq;
        for (String version : List.of("v1", "v2")) {
            for (String id : ids) {
                changes.add(new ChangeStreamApplier.ReplicatedChange(table, id,
                        JSON.createObjectNode().put("text", version),
                        version + "-" + id, false, seq++, Optional.empty()));
            }
        }
        return changes;
    }

    /** {@code records} inserts of new records of a merge table, then an update of each from its first version. */
    private static List<CudEvent> insertsThenUpdates(int records) {
        List<CudEvent> events = new ArrayList<>();
        Instant now = Instant.now();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            String id = "cost-" + UUID.randomUUID();
            ids.add(id);
            events.add(CudEvent.of(UUID.randomUUID(), "edgesync://edge/cost", "insert", now,
                    new CudEvent.Data("cp_merge", id, Items.item(id, JSON.createObjectNode().put("text", "v1"), now,
                            now, "v1-" + id, false), Optional.empty(), "v1-" + id, Optional.empty(),
                            Optional.empty())));
        }
        for (String id : ids) {
            events.add(CudEvent.of(UUID.randomUUID(), "edgesync://edge/cost", "update", now,
                    new CudEvent.Data("cp_merge", id, Items.item(id, JSON.createObjectNode().put("text", "v2"), now,
                            now, "v2-" + id, false), Optional.of("v1-" + id), "v2-" + id, Optional.empty(),
                            Optional.empty())));
        }
        return events;
    }

    @Test
    void concurrentWritersOfOneTableShareNoRowLock() throws Exception {
        // Given a table that exists
        String table = "shared" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        insert("device-" + UUID.randomUUID(), table, "first");
        long multixactsBefore = multixacts();

        // When 8 devices write to it at the same time, through the table protocol and in native batches
        ExecutorService writers = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int d = 0; d < 8; d++) {
                String device = "device-" + UUID.randomUUID();
                boolean zumo = d % 2 == 0;
                done.add(writers.submit(() -> {
                    for (int i = 0; i < 15; i++) {
                        if (zumo) {
                            insert(device, table, UUID.randomUUID().toString());
                        } else {
                            push(device, table, 5);
                        }
                    }
                }));
            }
            for (Future<?> writer : done) {
                writer.get(2, TimeUnit.MINUTES);
            }
        } finally {
            writers.shutdownNow();
        }

        // Then no write locked a row another writer locked too: each such lock would have made a multixact (a
        // shared lock on the table's row, which PostgreSQL records per row with every writer that holds it, and
        // vacuum must later freeze)
        assertThat(multixacts() - multixactsBefore).isZero();
    }

    /** Multixact ids PostgreSQL has handed out so far. */
    private long multixacts() {
        return pool.query("SELECT mxid_age('1'::xid) AS n")
                .execute()
                .await()
                .atMost(Duration.ofSeconds(10))
                .iterator()
                .next()
                .getLong("n");
    }

    @Test
    void aZumoInsertAndAnUpdateWithIfMatchAreOneStatementEach() throws Exception {
        // Given a device writing through the table protocol to an existing table
        String table = "stmts" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String device = "device-" + UUID.randomUUID();
        insert(device, table, "first");

        // When it inserts a row and updates it with If-Match
        Map<String, Long> before = quietCalls();
        String version = insert(device, table, "second");
        given().header("ZUMO-API-VERSION", "2.0.0")
                .header("X-ZUMO-INSTALLATION-ID", device)
                .header("If-Match", "\"" + version + "\"")
                .contentType(ContentType.JSON)
                .body("{\"text\":\"changed\"}")
                .patch("/tables/" + table + "/second")
                .then()
                .statusCode(200);
        Map<String, Long> after = calls();

        // Then each write was the single statement, and nothing of the general path ran (record locks are left out:
        // the change stream applies the central service's version of the inserted row, which the update changed
        // meanwhile, with the same lock statement)
        Map<String, Long> expected = none();
        expected.put("single write", 2L);
        Map<String, Long> ran = delta(before, after);
        ran.remove("record locks");
        expected.remove("record locks");
        assertThat(ran).isEqualTo(expected);
    }

    @Test
    void anUpToDateDevicesPullsAreAnsweredWithoutTheDatabase() throws Exception {
        // Given a table with rows, and clients that pulled all of them
        String table = "stmts" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String device = "device-" + UUID.randomUUID();
        insert(device, table, "a");
        insert(device, table, "b");
        String newest = given().header("ZUMO-API-VERSION", "2.0.0")
                .get("/tables/" + table + "/b")
                .then()
                .statusCode(200)
                .extract()
                .path("updatedAt");
        String token = nativePull(device, table, null).path("token").asText();
        Map<String, Long> before = quietCalls();

        // When they pull again, as each client does when nothing changed
        List<String> rowAtWatermark = zumoPull(device, table, "(updatedAt ge datetimeoffset'" + newest + "')", 0);
        List<String> afterRowAtWatermark = zumoPull(device, table,
                "(updatedAt ge datetimeoffset'" + newest + "')", 1);
        List<String> datasync = given().header("ZUMO-API-VERSION", "3.0.0")
                .urlEncodingEnabled(false)
                .get("/tables/" + table + "?$filter=" + ZumoClient.pct("(updatedAt gt cast(" + newest
                        + ",Edm.DateTimeOffset))") + "&$orderby=updatedAt&$count=true&__includedeleted=true")
                .then()
                .statusCode(200)
                .body("count", equalTo(0))
                .extract()
                .jsonPath()
                .getList("items.id", String.class);
        JsonNode nativeAnswer = nativePull(device, table, token);
        Map<String, Long> after = calls();

        // Then they got what the database would answer, and no query of the table ran
        assertThat(rowAtWatermark).containsExactly("b");
        assertThat(afterRowAtWatermark).isEmpty();
        assertThat(datasync).isEmpty();
        assertThat(nativeAnswer.path("changes")).isEmpty();
        assertThat(nativeAnswer.path("token").asText()).isEqualTo(token);
        assertThat(delta(before, after)).isEqualTo(none());

        // And once something changed, the next pull reads it from the table
        insert(device, table, "c");
        assertThat(zumoPull(device, table, "(updatedAt ge datetimeoffset'" + newest + "')", 1)).containsExactly("c");
        assertThat(delta(after, calls()).get("table-protocol page or count")).isPositive();
    }

    private static List<String> zumoPull(String device, String table, String filter, int skip) {
        return given().header("ZUMO-API-VERSION", "2.0.0")
                .header("X-ZUMO-INSTALLATION-ID", device)
                .urlEncodingEnabled(false)
                .get("/tables/" + table + "?$filter=" + filter.replace(" ", "%20") + "&$orderby=updatedAt"
                        + (skip > 0 ? "&$skip=" + skip : "") + "&$top=50&__includeDeleted=true")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("id", String.class);
    }

    private static JsonNode nativePull(String device, String table, String token) throws Exception {
        var request = given().queryParam("table", table);
        if (token != null) {
            request.queryParam("token", token);
        }
        return JSON.readTree(request.get("/sync/v1/devices/{d}/pull", device)
                .then()
                .statusCode(200)
                .extract()
                .asString());
    }

    /** Zero for every statement. */
    @Test
    void aDeviceRegistrationWritesTheDeviceRowWithOneStatement() throws Exception {
        // Given a device id never seen
        String device = "device-" + UUID.randomUUID();
        Map<String, Long> before = quietCalls();

        // When the device registers, then registers again at once (a new client version)
        for (String version : List.of("app/1.0", "app/1.1")) {
            given().contentType(ContentType.JSON)
                    .body("{\"clientVersion\":\"" + version + "\"}")
                    .when()
                    .put("/sync/v1/devices/{id}", device)
                    .then()
                    .statusCode(200)
                    .body("clientVersion", equalTo(version));
        }

        // Then each registration wrote the row once, with the write path's statement (never a second upsert beside it)
        assertThat(delta(before, calls()).get("device registration")).isEqualTo(2L);
    }

    private static Map<String, Long> none() {
        Map<String, Long> counts = new HashMap<>();
        WRITE_PATH.keySet().forEach(name -> counts.put(name, 0L));
        return counts;
    }

    private static String insert(String device, String table, String id) {
        return given().header("ZUMO-API-VERSION", "2.0.0")
                .header("X-ZUMO-INSTALLATION-ID", device)
                .contentType(ContentType.JSON)
                .body("{\"id\":\"" + id + "\",\"text\":\"" + id + "\"}")
                .post("/tables/" + table)
                .then()
                .statusCode(201)
                .extract()
                .path("version");
    }

    private static void push(String device, String table, int operations) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode array = body.putArray("operations");
        for (int i = 0; i < operations; i++) {
            array.addObject()
                    .put("operationId", UUID.randomUUID().toString())
                    .put("table", table)
                    .put("kind", "insert")
                    .put("id", UUID.randomUUID().toString())
                    .set("item", JSON.createObjectNode().put("text", "row " + i));
        }
        given().contentType(ContentType.JSON)
                .body(body.toString())
                .post("/sync/v1/devices/{d}/push", device)
                .then()
                .statusCode(200);
    }

    /**
     * The counts once nothing else runs these statements (the change stream of earlier tests applies its changes with
     * the same record locks): two reads half a second apart agree.
     */
    private Map<String, Long> quietCalls() throws InterruptedException {
        return quietCalls(WRITE_PATH);
    }

    private Map<String, Long> quietCalls(Map<String, String> statements) throws InterruptedException {
        Map<String, Long> previous = calls(statements);
        for (int i = 0; i < 40; i++) {
            Thread.sleep(500);
            Map<String, Long> current = calls(statements);
            if (current.equals(previous)) {
                return current;
            }
            previous = current;
        }
        throw new AssertionError("The write path's statements kept running for 20 s without a request");
    }

    /** How often each statement of the write path ran so far in this database. */
    private Map<String, Long> calls() {
        return calls(WRITE_PATH);
    }

    /** How often each of {@code statements} ran so far in this database. */
    private Map<String, Long> calls(Map<String, String> statements) {
        Map<String, Long> calls = new HashMap<>();
        statements.keySet().forEach(name -> calls.put(name, 0L));
        for (Row row : pool.query("""
                SELECT query, calls FROM pg_stat_statements
                WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())""")
                .execute()
                .await()
                .atMost(Duration.ofSeconds(10))) {
            String query = row.getString("query");
            statements.entrySet()
                    .stream()
                    .filter(statement -> query.contains(statement.getValue()))
                    .findFirst()
                    .ifPresent(statement -> calls.merge(statement.getKey(), row.getLong("calls"), Long::sum));
        }
        return calls;
    }

    private static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> delta = new HashMap<>();
        after.forEach((name, calls) -> delta.put(name, calls - before.getOrDefault(name, 0L)));
        return delta;
    }
}
