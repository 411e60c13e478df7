package io.edgesync.cache;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.TestInfrastructure;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

import static org.assertj.core.api.Assertions.assertThat;

@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class TableStatisticsTest {

    @Inject
    TableStatistics statistics;

    @Test
    void aTableThatGrewFromEmptyIsAnalyzedAndAPlanMadeBeforeScansItNoMore() throws Exception {
        // Given a table analyzed while empty, and a statement prepared then (its generic plan scans the table)
        String table = "stats_probe_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection db = TestInfrastructure.connect(InfrastructureResource.DATABASE);
                Statement sql = db.createStatement()) {
            // (autovacuum left out: had it analyzed the table first, the gateway would rightly find nothing to do)
            sql.execute("CREATE TABLE " + table + " (id bigint PRIMARY KEY, payload text)"
                    + " WITH (autovacuum_enabled = false)");
            sql.execute("ANALYZE " + table);
            sql.execute("SET plan_cache_mode = force_generic_plan");
            sql.execute("PREPARE probe(bigint) AS SELECT payload FROM " + table + " WHERE id = $1 OR id = -$1");
            String before = plan(sql);
            long analyzedBefore = manualAnalyses(sql, table);

            // When it grows by far more rows than it held, and the gateway checks its statistics
            sql.execute("INSERT INTO " + table + " SELECT g, repeat('x', 50) FROM generate_series(1, 20000) g");
            // (PostgreSQL publishes a session's row counts within a second or so: the check runs until it sees them.
            // The gateway's own periodic check may get there first, so what counts is that the table was analyzed by
            // an ANALYZE command, which autovacuum's analyses are not counted as.)
            Awaitility.await("the grown table analyzed")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        statistics.analyzeGrownTables().await().indefinitely();
                        return manualAnalyses(sql, table);
                    }, analyses -> analyses > analyzedBefore);

            // Then the same prepared statement is planned again with what the table now holds
            assertThat(before).contains("Seq Scan");
            assertThat(plan(sql)).doesNotContain("Seq Scan");

            // And a table that did not grow is left alone
            assertThat(statistics.analyzeGrownTables().await().indefinitely())
                    .noneMatch(name -> name.endsWith("." + table));
        }
    }

    /** How often the table was analyzed by an ANALYZE command (the test's own, then the gateway's). */
    private static long manualAnalyses(Statement sql, String table) throws Exception {
        try (ResultSet rows = sql.executeQuery(
                "SELECT analyze_count FROM pg_stat_user_tables WHERE relname = '" + table + "'")) {
            return rows.next() ? rows.getLong(1) : 0;
        }
    }

    private static String plan(Statement sql) throws Exception {
        StringBuilder plan = new StringBuilder();
        try (ResultSet rows = sql.executeQuery("EXPLAIN EXECUTE probe(42)")) {
            while (rows.next()) {
                plan.append(rows.getString(1)).append('\n');
            }
        }
        return plan.toString();
    }
}
