package io.edgesync.cache;

import java.sql.Connection;
import java.sql.Statement;
import java.util.UUID;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import io.edgesync.embedded.EmbeddedPostgresServer;
import io.edgesync.testsupport.TestInfrastructure;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Upgrading an edge database to {@code sync_record.own_event} (migration V119): a record whose version a device of the
 * edge wrote keeps the id of the last CUD event that wrote it, so that the echo of an older write still waiting in the
 * stream after the upgrade is only confirmed; a record whose version came from central has none.
 */
class OwnEventMigrationTest {

    private static final String TABLE = "migrated";

    @Test
    void aRecordKeepsTheLastEventThatWroteItsVersionHereAndNoneWhenItsVersionCameFromCentral() throws Exception {
        // Given a database of the previous version: a record a device wrote twice (v1, then v2, whose CUD event was
        // relayed twice), one whose device's write central overrode, and one whose echo was confirmed
        String database = "edgesync_own_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        TestInfrastructure.createDatabase(database);
        migrate(database, "118");
        UUID[] events = {UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(),
                UUID.randomUUID()};
        try (Connection connection = TestInfrastructure.connect(database);
                Statement sql = connection.createStatement()) {
            sql.execute("INSERT INTO sync_table (name, display_name) VALUES ('%1$s', '%1$s')".formatted(TABLE));
            record(sql, "twice", "v2", 1);
            record(sql, "overridden", "central", 2);
            record(sql, "echoed", "e1", 3);
            event(sql, events[0], "twice", "v1");
            event(sql, events[1], "twice", "v2");
            event(sql, events[2], "twice", "v2");
            event(sql, events[3], "overridden", "o1");
            event(sql, events[4], "echoed", "e1");
        }

        // When it is upgraded
        migrate(database, "latest");

        // Then each record written here holds the last event that wrote its version; the other holds none
        assertThat(ownEvent(database, "twice")).isEqualTo(events[2].toString());
        assertThat(ownEvent(database, "overridden")).isEqualTo("none");
        assertThat(ownEvent(database, "echoed")).isEqualTo(events[4].toString());
    }

    private static void migrate(String database, String target) {
        Flyway.configure()
                .dataSource(TestInfrastructure.jdbcUrl(database), EmbeddedPostgresServer.USER, "")
                .locations("classpath:db/migration")
                .target(target)
                .load()
                .migrate();
    }

    private static void record(Statement sql, String id, String version, int seq) throws Exception {
        sql.execute("""
                INSERT INTO sync_record (table_name, id, data, created_at, updated_at, version, change_seq)
                VALUES ('%s', '%s', '{}', now(), now() + make_interval(secs => %d), '%s', %d)"""
                .formatted(TABLE, id, seq, version, seq));
    }

    private static void event(Statement sql, UUID event, String id, String version) throws Exception {
        sql.execute("""
                INSERT INTO outbox_event (event_id, table_name, record_id, operation, new_version, data, deleted,
                                          created_at, updated_at, sent_at)
                VALUES ('%s', '%s', '%s', 'update', '%s', '{}', false, now(), now(), now())"""
                .formatted(event, TABLE, id, version));
    }

    private static String ownEvent(String database, String id) throws Exception {
        return TestInfrastructure.queryString(database,
                "SELECT coalesce(own_event::text, 'none') FROM sync_record WHERE table_name = ? AND id = ?", TABLE, id);
    }
}
