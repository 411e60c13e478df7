package io.edgesync.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.ZumoRequests;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The stamp draw itself ({@code es_stamp}, docs/adr/0003-stamps-below-a-visibility-horizon.md), called the way the
 * write statements call it: stamps unique and increasing per table under concurrent drawers, never below the wall
 * clock, the drawer's transaction id registered before its stamp can be read, and no lock left behind when a draw is
 * canceled.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class StampDrawTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Inject
    Pool pool;

    @Test
    void concurrentDrawersGetDisjointIncreasingRangesNeverBelowTheWallClock() {
        String table = newTable();
        int drawers = 6;
        int drawsEach = 60;
        ExecutorService threads = Executors.newFixedThreadPool(drawers);
        List<long[]> ranges = new ArrayList<>();
        try {
            List<CompletableFuture<List<long[]>>> runs = new ArrayList<>();
            for (int d = 0; d < drawers; d++) {
                runs.add(CompletableFuture.supplyAsync(() -> draws(table, drawsEach), threads));
            }
            for (CompletableFuture<List<long[]>> run : runs) {
                // Each drawer's own draws, one after the other, get ever larger stamps
                List<long[]> own = run.join();
                for (int i = 1; i < own.size(); i++) {
                    assertThat(own.get(i)[1]).as("a later draw of one session").isGreaterThan(own.get(i - 1)[1]);
                }
                ranges.addAll(own);
            }
        } finally {
            threads.shutdownNow();
        }

        // Every range lies at or above the wall clock of its draw, and no two ranges share a stamp
        for (long[] range : ranges) {
            assertThat(range[1]).as("first stamp against the wall clock before the draw")
                    .isGreaterThanOrEqualTo(range[0]);
        }
        ranges.sort((a, b) -> Long.compare(a[1], b[1]));
        for (int i = 1; i < ranges.size(); i++) {
            long[] before = ranges.get(i - 1);
            assertThat(ranges.get(i)[1]).as("ranges overlap").isGreaterThan(before[1] + before[2] - 1);
        }
        assertThat(ranges).hasSize(drawers * drawsEach);
    }

    @Test
    void theDrawersTransactionIdIsRegisteredWithItsStamp() {
        String table = newTable();
        SqlConnection writer = pool.getConnection().await().atMost(WAIT);
        try {
            writer.query("BEGIN").execute().await().atMost(WAIT);
            Row drawn = writer
                    .preparedQuery("SELECT es_stamp($1, 1) AS stamp, pg_current_xact_id()::text::bigint AS xid")
                    .execute(Tuple.of(table))
                    .await()
                    .atMost(WAIT)
                    .iterator()
                    .next();

            // While the drawer's transaction is still open, another session reading the clock sees both
            Row clock = pool.preparedQuery("SELECT last_stamp, last_xid FROM es_clock_read($1)")
                    .execute(Tuple.of(table))
                    .await()
                    .atMost(WAIT)
                    .iterator()
                    .next();
            assertThat(clock.getLong("last_stamp")).isEqualTo(drawn.getLong("stamp"));
            assertThat(clock.getLong("last_xid")).isGreaterThanOrEqualTo(drawn.getLong("xid"));
            writer.query("ROLLBACK").execute().await().atMost(WAIT);
        } finally {
            release(writer);
        }
    }

    @Test
    void aDrawCanceledWhileItWaitsLeavesNoLockAndTheTableKeepsDrawing() {
        String table = newTable();
        SqlConnection holder = pool.getConnection().await().atMost(WAIT);
        SqlConnection drawer = pool.getConnection().await().atMost(WAIT);
        try {
            // Given another session holding the table's draw lock
            holder.preparedQuery("SELECT pg_advisory_lock((x'45530000'::bigint << 32) | es_clock($1)::oid::bigint)")
                    .execute(Tuple.of(table))
                    .await()
                    .atMost(WAIT);

            // When a draw waiting for it is canceled by the statement timeout
            assertDrawFails(drawer, table, "SET LOCAL statement_timeout = '300ms'", "57014");
            holder.query("SELECT pg_advisory_unlock_all()").execute().await().atMost(WAIT);

            // Then the canceled session holds no advisory lock, and both sessions draw again at once
            assertThat(advisoryLocksHeld(drawer)).isZero();
            long first = stamp(drawer, table, 1);
            long second = stamp(holder, table, 1);
            assertThat(second).isGreaterThan(first);
        } finally {
            release(holder);
            release(drawer);
        }
    }

    @Test
    void aDrawFailingWhileItHoldsTheLockReleasesIt() {
        String table = newTable();
        SqlConnection drawer = pool.getConnection().await().atMost(WAIT);
        try {
            // Given a session that may take the lock but not read the clock's sequences: the draw fails after the
            // lock is granted, inside the section the lock protects
            drawer.query("""
                    DO $$ BEGIN
                        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'stamp_draw_test') THEN
                            CREATE ROLE stamp_draw_test;
                        END IF;
                    END $$""").execute().await().atMost(WAIT);
            assertDrawFails(drawer, table, "SET LOCAL ROLE stamp_draw_test", "42501");

            // Then the session holds no advisory lock, and another session draws at once
            assertThat(advisoryLocksHeld(drawer)).isZero();
            SqlConnection other = pool.getConnection().await().atMost(WAIT);
            try {
                assertThat(stamp(other, table, 1)).isPositive();
            } finally {
                other.close().await().atMost(WAIT);
            }
        } finally {
            release(drawer);
        }
    }

    @Test
    void aDrawOfNoStampsOrOfAnUnknownTableFails() {
        String table = newTable();
        assertThatThrownBy(
                () -> pool.preparedQuery("SELECT es_stamp($1, 0)").execute(Tuple.of(table)).await().atMost(WAIT))
                .hasMessageContaining("p_count must be positive");
        assertThatThrownBy(() -> pool.preparedQuery("SELECT es_stamp($1, 1)")
                .execute(Tuple.of("no_such_table_" + UUID.randomUUID().toString().replace("-", "")))
                .await()
                .atMost(WAIT))
                .isInstanceOf(PgException.class)
                .hasMessageContaining("does not exist");
    }

    /** Draws in separate transactions; each element is {wall clock before the draw, first stamp, count}. */
    private List<long[]> draws(String table, int count) {
        SqlConnection connection = pool.getConnection().await().atMost(WAIT);
        try {
            List<long[]> ranges = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = ThreadLocalRandom.current().nextInt(1, 4);
                long wallClock = System.currentTimeMillis();
                ranges.add(new long[]{wallClock, stamp(connection, table, n), n});
            }
            return ranges;
        } finally {
            connection.close().await().atMost(WAIT);
        }
    }

    /** One draw of {@code n} stamps in a transaction of its own that writes nothing else, committed. */
    private static long stamp(SqlConnection connection, String table, int n) {
        connection.query("BEGIN").execute().await().atMost(WAIT);
        long first = connection.preparedQuery("SELECT es_stamp($1, $2)")
                .execute(Tuple.of(table, n))
                .await()
                .atMost(WAIT)
                .iterator()
                .next()
                .getLong(0);
        connection.query("COMMIT").execute().await().atMost(WAIT);
        return first;
    }

    /**
     * Draws in a transaction that first runs {@code setting}, expects the draw to fail with {@code sqlState}, rolls
     * back.
     */
    private static void assertDrawFails(SqlConnection connection, String table, String setting, String sqlState) {
        connection.query("BEGIN").execute().await().atMost(WAIT);
        connection.query(setting).execute().await().atMost(WAIT);
        assertThatThrownBy(() -> connection.preparedQuery("SELECT es_stamp($1, 1)")
                .execute(Tuple.of(table))
                .await()
                .atMost(WAIT))
                .isInstanceOfSatisfying(PgException.class, e -> assertThat(e.getSqlState()).isEqualTo(sqlState));
        connection.query("ROLLBACK").execute().await().atMost(WAIT);
    }

    /**
     * Gives a connection back to the pool as the test found it: outside a transaction and without an advisory lock,
     * whatever the test did with it. The tests change no other setting of a session beyond their transactions
     * ({@code SET LOCAL}), since the application's later requests use the same connections.
     */
    private static void release(SqlConnection connection) {
        try {
            connection.query("ROLLBACK").execute().await().atMost(WAIT);
            connection.query("SELECT pg_advisory_unlock_all()").execute().await().atMost(WAIT);
        } finally {
            connection.close().await().atMost(WAIT);
        }
    }

    private static long advisoryLocksHeld(SqlConnection connection) {
        return connection.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
                .execute()
                .await()
                .atMost(WAIT)
                .iterator()
                .next()
                .getLong(0);
    }

    /** A table of its own, with its clock, made by a first write. */
    private static String newTable() {
        String table = "stamps" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        ZumoRequests.insertThroughZumo(UUID.randomUUID().toString(), table, "first", "first");
        return table;
    }
}
