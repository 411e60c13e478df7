package io.edgesync.cache;

import java.time.Duration;
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
import io.vertx.mutiny.sqlclient.Tuple;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A write that PostgreSQL picks as the victim of a deadlock runs again instead of failing. The cycle is built on
 * purpose: another transaction holds the table's clock row while the write holds its record and waits for the clock,
 * then that transaction asks for the record. The write waited first, so its backend detects the cycle and is rolled
 * back; the other transaction gets the record, commits, and the write's second run succeeds.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class DeadlockRetryTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    Pool pool;

    @Inject
    RecordService records;

    @Test
    void aZumoUpdateChosenAsDeadlockVictimIsRetriedAndSucceeds() throws Exception {
        String table = "dl" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String version = given().header("ZUMO-API-VERSION", "2.0.0")
                .contentType(ContentType.JSON)
                .body("{\"id\":\"x\",\"text\":\"first\"}")
                .post("/tables/" + table)
                .then()
                .statusCode(201)
                .extract()
                .path("version");

        String answer = withCycle(table, "x", () -> CompletableFuture.supplyAsync(() -> given()
                .header("ZUMO-API-VERSION", "2.0.0")
                .header("If-Match", "\"" + version + "\"")
                .contentType(ContentType.JSON)
                .body("{\"id\":\"x\",\"text\":\"second\"}")
                .patch("/tables/" + table + "/x")
                .then()
                .statusCode(200)
                .extract()
                .path("text")));

        assertThat(answer).isEqualTo("second");
    }

    @Test
    void aReplicatedChangeChosenAsDeadlockVictimIsRetriedAndApplied() throws Exception {
        String table = "dl" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        records.applyReplicatedChange(table, "x", JSON.createObjectNode().put("text", "v1"), "v1", false, 1)
                .await()
                .atMost(Duration.ofSeconds(10));

        RecordService.ReplicationOutcome outcome = withCycle(table, "x",
                () -> records.applyReplicatedChange(table, "x", JSON.createObjectNode().put("text", "v2"), "v2",
                        false, 2)
                        .subscribeAsCompletionStage());

        assertThat(outcome).isEqualTo(RecordService.ReplicationOutcome.APPLIED);
    }

    /**
     * Holds the table's clock row, starts the write, waits until it blocks on the clock, then asks for the record the
     * write holds; commits once it got it and returns the write's result.
     */
    private <T> T withCycle(String table, String id, java.util.function.Supplier<CompletableFuture<T>> write)
            throws Exception {
        SqlConnection other = pool.getConnection().await().atMost(Duration.ofSeconds(10));
        try {
            var tx = other.begin().await().atMost(Duration.ofSeconds(10));
            // This side looks for the cycle only after 10 s, the write after the server's 1 s: the write is the victim.
            other.query("SET LOCAL deadlock_timeout = '10s'").execute().await().atMost(Duration.ofSeconds(10));
            other.preparedQuery("SELECT 1 FROM sync_table WHERE name = $1 FOR UPDATE")
                    .execute(Tuple.of(table))
                    .await()
                    .atMost(Duration.ofSeconds(10));
            CompletableFuture<T> result = write.get();
            awaitWaitingForLock(table);
            // The cycle: the write holds the record and waits for the clock row; this transaction asks for the record.
            other.preparedQuery("SELECT 1 FROM sync_record WHERE table_name = $1 AND id = $2 FOR UPDATE")
                    .execute(Tuple.of(table, id))
                    .await()
                    .atMost(Duration.ofSeconds(20));
            tx.commit().await().atMost(Duration.ofSeconds(10));
            return result.get(30, TimeUnit.SECONDS);
        } finally {
            other.close().await().atMost(Duration.ofSeconds(10));
        }
    }

    /** Waits until some backend is waiting for a lock (the write, blocked on the table's clock row). */
    private void awaitWaitingForLock(String table) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            long waiting = pool.preparedQuery("""
                    SELECT count(*) FROM pg_stat_activity
                    WHERE wait_event_type = 'Lock' AND query LIKE '%UPDATE sync_table%'""")
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
        throw new AssertionError("The write never waited for the clock row of " + table);
    }
}
