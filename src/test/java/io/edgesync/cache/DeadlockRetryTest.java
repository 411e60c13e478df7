package io.edgesync.cache;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A write that PostgreSQL picks as the victim of a deadlock runs again instead of failing. No lock is held on a table
 * (ADR 0003), but a write still locks more than one row: a device's write its device row, then its record; a batch of
 * the change stream its records, in key order. The cycle is built on purpose: another transaction holds the row the
 * write needs second, waits until the write blocks on it, then asks for the row the write holds. The write waited
 * first, so its backend detects the cycle and is rolled back; the other transaction gets the row, commits, and the
 * write's second run succeeds.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class DeadlockRetryTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    Pool pool;

    @Inject
    ChangeStreamApplier records;

    @Test
    void aZumoUpdateChosenAsDeadlockVictimIsRetriedAndSucceeds() throws Exception {
        // Given a record x of a new table, inserted by a device through the table protocol
        String table = "dl" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String device = "device-" + UUID.randomUUID();
        String version = given().header("ZUMO-API-VERSION", "2.0.0")
                .header("X-ZUMO-INSTALLATION-ID", device)
                .contentType(ContentType.JSON)
                .body("{\"id\":\"x\",\"text\":\"first\"}")
                .post("/tables/" + table)
                .then()
                .statusCode(201)
                .extract()
                .path("version");

        // When the device updates x while this test's transaction holds x: the write locks its device's row, then
        // waits for the record this transaction holds, and the transaction then asks for the device's row
        String answer = withCycle(
                "SELECT 1 FROM sync_record WHERE table_name = '" + table + "' AND id = 'x' FOR UPDATE",
                "SELECT 1 FROM device WHERE id = '" + device + "' FOR UPDATE",
                () -> CompletableFuture.supplyAsync(() -> given()
                        .header("ZUMO-API-VERSION", "2.0.0")
                        .header("X-ZUMO-INSTALLATION-ID", device)
                        .header("If-Match", "\"" + version + "\"")
                        .contentType(ContentType.JSON)
                        .body("{\"id\":\"x\",\"text\":\"second\"}")
                        .patch("/tables/" + table + "/x")
                        .then()
                        .statusCode(200)
                        .extract()
                        .path("text")));

        // Then the update succeeds all the same, with its new text
        assertThat(answer).isEqualTo("second");
    }

    @Test
    void aBatchOfReplicatedChangesChosenAsDeadlockVictimIsRetriedAndApplied() throws Exception {
        // Given records x and y of a new table, applied from the change stream
        String table = "dl" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        records.applyReplicatedChanges(List.of(change(table, "x", "x1", 1), change(table, "y", "y1", 2)))
                .await()
                .atMost(Duration.ofSeconds(10));

        // When a batch changing x and y is applied while this test's transaction holds y: the batch locks x, then
        // waits for y, which this transaction holds, and the transaction then asks for x
        List<ChangeStreamApplier.ReplicationOutcome> outcomes = withCycle(
                "SELECT 1 FROM sync_record WHERE table_name = '" + table + "' AND id = 'y' FOR UPDATE",
                "SELECT 1 FROM sync_record WHERE table_name = '" + table + "' AND id = 'x' FOR UPDATE",
                () -> records.applyReplicatedChanges(List.of(change(table, "x", "x2", 3), change(table, "y", "y2", 4)))
                        .subscribeAsCompletionStage());

        // Then every change of the batch is applied all the same
        assertThat(outcomes).containsOnly(ChangeStreamApplier.ReplicationOutcome.APPLIED);
    }

    private static ChangeStreamApplier.ReplicatedChange change(String table, String id, String version,
            long masterSeq) {
        return new ChangeStreamApplier.ReplicatedChange(table, id, JSON.createObjectNode().put("text", version),
                version,
                false, masterSeq, Optional.empty());
    }

    /**
     * Holds the row of {@code holdFirst}, starts the write, waits until some backend waits for a lock, then asks for
     * the row of {@code askSecond} (which the write holds); commits once it got it and returns the write's result.
     */
    private <T> T withCycle(String holdFirst, String askSecond,
            java.util.function.Supplier<CompletableFuture<T>> write) throws Exception {
        SqlConnection other = pool.getConnection().await().atMost(Duration.ofSeconds(10));
        try {
            var tx = other.begin().await().atMost(Duration.ofSeconds(10));
            // This side looks for the cycle only after 10 s, the write after the server's 1 s: the write is the victim.
            other.query("SET LOCAL deadlock_timeout = '10s'").execute().await().atMost(Duration.ofSeconds(10));
            other.query(holdFirst).execute().await().atMost(Duration.ofSeconds(10));
            CompletableFuture<T> result = write.get();
            awaitWaitingForLock();
            other.query(askSecond).execute().await().atMost(Duration.ofSeconds(20));
            tx.commit().await().atMost(Duration.ofSeconds(10));
            return result.get(30, TimeUnit.SECONDS);
        } finally {
            other.close().await().atMost(Duration.ofSeconds(10));
        }
    }

    /** Waits until some backend is waiting for a row lock (the write, blocked on the row this test holds). */
    private void awaitWaitingForLock() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            long waiting = pool.preparedQuery("""
                    SELECT count(*) FROM pg_stat_activity
                    WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()""")
                    .execute()
                    .await()
                    .atMost(Duration.ofSeconds(10))
                    .iterator()
                    .next()
                    .getLong(0);
            if (waiting > 0) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("The write never waited for the row this test holds");
    }
}
