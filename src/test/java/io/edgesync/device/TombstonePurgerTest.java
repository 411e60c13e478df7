package io.edgesync.device;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.UUID;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;

import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.NativePush;
import io.edgesync.testsupport.TestInfrastructure;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tombstone purge works through any number of tombstones in short batches, and never waits for a write holding a
 * tombstone: it leaves that one for its next run.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class TombstonePurgerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The default retention of id-only tombstones ({@code edgesync.tables.id-tombstone-retention-days}). */
    private static final Duration RETENTION = Duration.ofDays(365);

    @Inject
    TombstonePurger purger;

    @Test
    void purgesMoreTombstonesThanOneBatchAndSkipsTheOneAWriteHolds() throws Exception {
        // Given more than two batches of deleted rows in one table
        String table = "purge" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String device = "native-" + UUID.randomUUID();
        int rows = 2 * TombstonePurger.BATCH + 10;
        for (String kind : new String[]{"insert", "delete"}) {
            for (int from = 0; from < rows; from += 1000) {
                ArrayNode operations = JSON.createArrayNode();
                for (int i = from; i < Math.min(rows, from + 1000); i++) {
                    var operation = operations.addObject()
                            .put("operationId", kind + i)
                            .put("table", table)
                            .put("kind", kind)
                            .put("id", "r" + i);
                    if (kind.equals("insert")) {
                        operation.putObject("item").put("text", "row " + i);
                    }
                }
                NativePush.push(device, operations);
            }
        }

        try (Connection db = TestInfrastructure.connect(InfrastructureResource.DATABASE);
                Connection writer = TestInfrastructure.connect(InfrastructureResource.DATABASE)) {
            // (once central's echoes of the deletes were confirmed here: a confirmation holds its rows for a moment,
            // and the purge would rightly skip them too)
            Awaitility.await("the deletes came back from central")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> count(db, table, "deleted AND master_seq = (SELECT c.master_seq FROM central_record c"
                            + " WHERE c.table_name = sync_record.table_name AND c.id = sync_record.id AND c.deleted)") == rows);
            // And a write that holds one of the tombstones
            writer.setAutoCommit(false);
            try (PreparedStatement lock = writer
                    .prepareStatement("SELECT 1 FROM sync_record WHERE table_name = ? AND id = 'r7' FOR UPDATE")) {
                lock.setString(1, table);
                lock.executeQuery().close();
            }

            // When the purge runs on the table (no device pulls it, so nothing holds its tombstones back; the tables of
            // the other tests are not this test's subject, and on a slow machine their purge took longer than the wait)
            purger.purgeTombstones(table, RETENTION).await().atMost(Duration.ofSeconds(20));

            // Then every other tombstone lost its columns, without waiting for the write
            assertThat(count(db, table, "columns_purged AND data = '{}'::jsonb")).isEqualTo(rows - 1);
            assertThat(count(db, table, "NOT columns_purged AND id = 'r7'")).isEqualTo(1);

            // And once the write is over, the next run takes the one it skipped
            writer.rollback();
            purger.purgeTombstones(table, RETENTION).await().atMost(Duration.ofSeconds(20));
            assertThat(count(db, table, "columns_purged")).isEqualTo(rows);

            // When the id-only tombstones' retention has passed, they all go, and the table remembers how far (a
            // burst of writes stamps its rows a millisecond apart, running ahead of the clock for a moment)
            Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                purger.purgeTombstones(table, Duration.ZERO).await().atMost(Duration.ofSeconds(20));
                assertThat(count(db, table, "TRUE")).isZero();
            });
            try (PreparedStatement query = db.prepareStatement(
                    "SELECT purged_through FROM sync_table WHERE name = ?")) {
                query.setString(1, table);
                try (ResultSet result = query.executeQuery()) {
                    assertThat(result.next()).isTrue();
                    assertThat(result.getLong(1)).isPositive();
                }
            }
        }
    }

    private static long count(Connection db, String table, String condition) throws Exception {
        try (PreparedStatement query = db
                .prepareStatement("SELECT count(*) FROM sync_record WHERE table_name = ? AND " + condition)) {
            query.setString(1, table);
            try (ResultSet result = query.executeQuery()) {
                result.next();
                return result.getLong(1);
            }
        }
    }
}
