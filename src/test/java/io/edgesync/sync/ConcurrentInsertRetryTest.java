package io.edgesync.sync;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.ChangeStreamApplier;
import io.edgesync.cache.Precondition;
import io.edgesync.security.Caller;
import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

import static io.edgesync.testsupport.NativePush.operation;
import static io.edgesync.testsupport.NativePush.ops;
import static io.edgesync.testsupport.NativePush.push;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A batch (a device's native push, or a poll of the change stream) that inserts a record another transaction inserts
 * while the batch runs: the batch found no record when it locked its records, so its insert finds the other's row and
 * writes nothing. Its statement sees that and fails, and the batch runs again as a whole, deciding against the row now
 * there. Nothing of the first run may stay: the write's statement travels with the COMMIT, so the check must be the
 * statement's own.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class ConcurrentInsertRetryTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /**
     * The master positions of the test's central changes: far above those of the real central service, whose change for
     * the device's own insert of x may reach the edge too and must be older.
     */
    private static final long CENTRAL_POSITION = 1_000_000_000L;

    @Inject
    WriteService writes;

    @Inject
    ChangeStreamApplier records;

    @Inject
    Pool pool;

    @Test
    void aBatchThatMeetsARecordInsertedMeanwhileRunsAgainAndKeepsNothingOfItsFirstRun() throws Exception {
        // Given a table, and another writer's insert of x not yet committed
        String table = newTable();
        String device = "device-" + UUID.randomUUID();
        SqlConnection other = pool.getConnection().await().atMost(TIMEOUT);
        JsonNode answer;
        try {
            var tx = other.begin().await().atMost(TIMEOUT);
            insertUncommitted(other, table, "x", "the other's");

            // When a device's batch inserts x and y, and the other insert commits while the batch waits for it
            ObjectNode insertX = operation("ins-x", table, "insert", "x",
                    JSON.createObjectNode().put("text", "the device's"), null);
            ObjectNode insertY = operation("ins-y", table, "insert", "y",
                    JSON.createObjectNode().put("text", "y"), null);
            CompletableFuture<JsonNode> pushed = CompletableFuture.supplyAsync(() -> {
                try {
                    return push(device, ops(insertX, insertY));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            awaitWaitingForLock("new_rows AS (");
            tx.commit().await().atMost(TIMEOUT);
            answer = pushed.get(30, TimeUnit.SECONDS);
        } finally {
            other.close().await().atMost(TIMEOUT);
        }

        // Then the device is told x exists (its insert is a conflict), and y is applied
        assertThat(answer.at("/results/0/status").asText()).isEqualTo("conflict");
        assertThat(answer.at("/results/0/serverRecord/text").asText()).isEqualTo("the other's");
        assertThat(answer.at("/results/1/status").asText()).isEqualTo("applied");
        // And x is the other's, and nothing of the first run stayed: two queue entries at the first two positions,
        // and the device's one change in the table
        assertThat(text(table, "x")).isEqualTo("the other's");
        assertThat(text(table, "y")).isEqualTo("y");
        assertThat(queue(device)).containsExactly("1:ins-x:conflict", "2:ins-y:applied");
    }

    @Test
    void aBatchOfTheChangeStreamThatMeetsARecordInsertedMeanwhileRunsAgainAndKeepsNothingOfItsFirstRun()
            throws Exception {
        // Given a table, and a device's insert of x at this edge not yet committed
        String table = newTable();
        SqlConnection other = pool.getConnection().await().atMost(TIMEOUT);
        List<ChangeStreamApplier.ReplicationOutcome> outcomes;
        try {
            var tx = other.begin().await().atMost(TIMEOUT);
            insertUncommitted(other, table, "x", "the device's");

            // When central's changes of x and y arrive, and the device's insert commits while the batch waits for it
            CompletableFuture<List<ChangeStreamApplier.ReplicationOutcome>> applied = records
                    .applyReplicatedChanges(List.of(
                            new ChangeStreamApplier.ReplicatedChange(table, "x",
                                    JSON.createObjectNode().put("text", "central's x"), "cx", false, CENTRAL_POSITION,
                                    Optional.empty()),
                            new ChangeStreamApplier.ReplicatedChange(table, "y",
                                    JSON.createObjectNode().put("text", "central's y"), "cy", false,
                                    CENTRAL_POSITION + 1,
                                    Optional.empty())))
                    .subscribeAsCompletionStage()
                    .toCompletableFuture();
            awaitWaitingForLock("inserted AS (");
            tx.commit().await().atMost(TIMEOUT);
            outcomes = applied.get(30, TimeUnit.SECONDS);
        } finally {
            other.close().await().atMost(TIMEOUT);
        }

        // Then the batch ran again as a whole and applied both changes: central's x replaces the device's, and y is
        // applied by the second run, not left from the first
        assertThat(outcomes).containsExactly(ChangeStreamApplier.ReplicationOutcome.APPLIED,
                ChangeStreamApplier.ReplicationOutcome.APPLIED);
        assertThat(text(table, "x")).isEqualTo("central's x");
        assertThat(text(table, "y")).isEqualTo("central's y");
    }

    /** A new table, created by a device's first push. */
    private static String newTable() throws Exception {
        String table = "race" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        push("seed-" + UUID.randomUUID(), ops(operation("seed", table, "insert", "seed",
                JSON.createObjectNode().put("text", "seed"), null)));
        return table;
    }

    /** Inserts a record in the open transaction of {@code connection}, as an anonymous table-protocol client. */
    private void insertUncommitted(SqlConnection connection, String table, String id, String text) {
        WriteCall anonymous = new WriteCall(new Caller(Optional.empty(), Set.of()), Optional.empty(), "zumo-v2",
                Optional.empty(), (seq, operationId, request, t, outcome, stops) -> new AnswerFormat.Answer(
                        "applied", Optional.empty(), JSON.createObjectNode()));
        writes.writeInTransaction(connection, anonymous, List.of(new WriteRequest(table, WriteRequest.INSERT,
                Optional.of(id), Optional.of(JSON.createObjectNode().put("text", text)), Precondition.NONE,
                Optional.empty(), Optional.empty(), Optional.empty(), false, false, false)))
                .await()
                .atMost(TIMEOUT);
    }

    /** Waits until a backend running a statement that contains {@code text} is waiting for a lock. */
    private void awaitWaitingForLock(String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            long waiting = pool.preparedQuery("""
                    SELECT count(*) FROM pg_stat_activity
                    WHERE wait_event_type = 'Lock' AND strpos(query, $1) > 0 AND pid <> pg_backend_pid()""")
                    .execute(Tuple.of(text))
                    .await()
                    .atMost(TIMEOUT)
                    .iterator()
                    .next()
                    .getLong(0);
            if (waiting > 0) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("No statement with '" + text + "' waited for the uncommitted insert");
    }

    private String text(String table, String id) {
        return pool.preparedQuery("SELECT data->>'text' FROM sync_record WHERE table_name = $1 AND id = $2")
                .execute(Tuple.of(table, id))
                .await()
                .atMost(TIMEOUT)
                .iterator()
                .next()
                .getString(0);
    }

    private List<String> queue(String device) {
        List<String> entries = new ArrayList<>();
        pool.preparedQuery("SELECT seq, operation_id, status FROM device_operation WHERE device_id = $1 ORDER BY seq")
                .execute(Tuple.of(device))
                .await()
                .atMost(TIMEOUT)
                .forEach(row -> entries.add(row.getLong(0) + ":" + row.getString(1) + ":" + row.getString(2)));
        return entries;
    }
}
