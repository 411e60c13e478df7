package io.edgesync.cache;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgesync.embedded.EmbeddedPostgresServer;
import io.edgesync.security.DevKeys;
import io.edgesync.testsupport.TestInfrastructure;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Upgrading a database written by the previous version (ADR 0001: a clock row per table, change positions counted from
 * 1) to stamps from sequences (ADR 0003, migration V103): a ZUMO device's watermark and a native device's token issued
 * before the upgrade keep working, with no resync, and every change after the upgrade comes after them.
 */
@QuarkusTest
@WithTestResource(UpgradeFromClockRowTest.OldDatabase.class)
class UpgradeFromClockRowTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TABLE = "legacy";

    /** A database migrated to the last version of ADR 0001 and written the way that version wrote. */
    public static class OldDatabase implements QuarkusTestResourceLifecycleManager {

        static final String DATABASE = "edgesync_upgrade";
        /** What the old version handed out: the rows' updatedAt and change positions, by id. */
        static final Map<String, Instant> UPDATED_AT = new HashMap<>();
        static final Map<String, Long> POSITION = new HashMap<>();

        @Override
        public Map<String, String> start() {
            TestInfrastructure.ensureStarted();
            TestInfrastructure.createDatabase(DATABASE);
            String jdbc = TestInfrastructure.jdbcUrl(DATABASE);
            Flyway.configure()
                    .dataSource(jdbc, EmbeddedPostgresServer.USER, "")
                    .locations("classpath:db/migration")
                    .target("102")
                    .load()
                    .migrate();
            try (Connection connection = TestInfrastructure.connect(DATABASE);
                    Statement sql = connection.createStatement()) {
                sql.execute("INSERT INTO sync_table (name, display_name) VALUES ('" + TABLE + "', '" + TABLE + "')");
                // A burst of changes ran the old clock ahead of wall-clock time (more than one per millisecond)
                sql.execute("UPDATE sync_table SET clock = clock_timestamp() + INTERVAL '1 hour' WHERE name = '"
                        + TABLE + "'");
                for (String id : List.of("old1", "purged", "old2", "old3", "gone")) {
                    // The old version's write: stamp from the table's clock row, in the statement that writes.
                    sql.execute("""
                            WITH stamp AS (
                                UPDATE sync_table
                                SET clock = GREATEST(date_trunc('milliseconds', clock_timestamp()),
                                                     clock + INTERVAL '1 millisecond'),
                                    change_seq = change_seq + 1
                                WHERE name = '%1$s'
                                RETURNING clock, change_seq)
                            INSERT INTO sync_record (table_name, id, data, created_at, updated_at, version, deleted,
                                                     change_seq)
                            SELECT '%1$s', '%2$s', '{"text": "%2$s"}', clock, clock, 'v-%2$s',
                                   '%2$s' IN ('gone', 'purged'), change_seq
                            FROM stamp""".formatted(TABLE, id));
                    try (ResultSet row = sql.executeQuery("SELECT updated_at, change_seq FROM sync_record WHERE id = '"
                            + id + "'")) {
                        row.next();
                        UPDATED_AT.put(id, row.getTimestamp(1).toInstant());
                        POSITION.put(id, row.getLong(2));
                    }
                }
                // The tombstone of "purged" went (tombstone retention), and the table's purge mark moved past it
                sql.execute("DELETE FROM sync_record WHERE id = 'purged'");
                sql.execute("UPDATE sync_table SET purged_through = " + POSITION.get("purged") + " WHERE name = '"
                        + TABLE + "'");
                // A device's replica, as its last pull recorded it: up to old2's change counter
                sql.execute("INSERT INTO device (id, first_seen, last_seen) VALUES ('replica-device', now(), now())");
                sql.execute("INSERT INTO device_replica (device_id, table_name, query_id, change_seq, pulled_rows,"
                        + " first_pull, last_pull) VALUES ('replica-device', '" + TABLE + "', '', "
                        + POSITION.get("old2") + ", 3, now(), now())");
            } catch (SQLException e) {
                throw new IllegalStateException("Could not write the old database", e);
            }
            Map<String, String> config = new HashMap<>();
            String hostPort = "127.0.0.1:" + TestInfrastructure.postgresPort() + "/" + DATABASE;
            config.put("quarkus.datasource.reactive.url", "postgresql://" + hostPort);
            config.put("quarkus.datasource.jdbc.url", "jdbc:postgresql://" + hostPort);
            config.put("quarkus.datasource.username", EmbeddedPostgresServer.USER);
            config.put("kafka.bootstrap.servers", TestInfrastructure.kafkaBootstrapServers());
            config.put("edgesync.edge.id", "upgrade-test");
            config.putAll(DevKeys.ensureKeys(TestInfrastructure.keyDirectory()));
            return config;
        }

        @Override
        public void stop() {
            // The server lives for the whole test run.
        }
    }

    /** A native token as the old version issued it: at a change counter. */
    private static String oldToken(String lastPulled) {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(JSON.createObjectNode()
                        .put("v", 1)
                        .put("t", TABLE)
                        .put("p", OldDatabase.POSITION.get(lastPulled))
                        .put("i", -1)
                        .toString()
                        .getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aWatermarkAndATokenFromBeforeTheUpgradeKeepWorking() throws Exception {
        // Given a JS client that pulled up to old2, and a native client whose token is at old2 (issued before)
        Instant watermark = OldDatabase.UPDATED_AT.get("old2");
        String token = oldToken("old2");

        // When a device writes after the upgrade
        String written = given().header("ZUMO-API-VERSION", "2.0.0")
                .contentType(ContentType.JSON)
                .body("{\"id\":\"new1\",\"text\":\"after the upgrade\"}")
                .post("/tables/" + TABLE)
                .then()
                .statusCode(201)
                .extract()
                .path("updatedAt");

        // Then the new change comes after every old one, though the old clock ran an hour ahead
        assertThat(Instant.parse(written)).isAfter(OldDatabase.UPDATED_AT.get("gone"));

        // And the JS client's next pull from its old watermark gets exactly what it has not seen
        List<String> pulled = given().header("ZUMO-API-VERSION", "2.0.0")
                .urlEncodingEnabled(false)
                .get("/tables/" + TABLE + "?$filter=(updatedAt%20gt%20datetimeoffset'" + watermark
                        + "')&$orderby=updatedAt&__includeDeleted=true")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("id", String.class);
        assertThat(pulled).containsExactly("old3", "gone", "new1");

        // And the native client's old token goes on from where it was, without a resync
        JsonNode page = JSON.readTree(given().queryParam("table", TABLE)
                .queryParam("token", token)
                .get("/sync/v1/devices/{d}/pull", "legacy-device")
                .then()
                .statusCode(200)
                .extract()
                .asString());
        List<String> changes = page.path("changes").findValuesAsText("id");
        assertThat(changes).containsExactly("old3", "gone", "new1");
        assertThat(page.path("hasMore").asBoolean()).isFalse();
    }

    @Test
    void anOldTokenFromBeforeAPurgedDeleteMustResync() {
        // Given a native client whose token is at old1, before the delete of "purged" whose tombstone went
        // When it pulls after the upgrade
        // Then it is told to start over, as before the upgrade (it would never learn of that delete)
        given().queryParam("table", TABLE)
                .queryParam("token", oldToken("old1"))
                .get("/sync/v1/devices/{d}/pull", "legacy-device-behind")
                .then()
                .statusCode(410);
    }

    @Test
    void positionsTheDatabaseKeptAreStampsAfterTheUpgrade() throws Exception {
        // The replica's position and the purge mark were change counters; the purge compares them with updatedAt now
        String replica = TestInfrastructure.queryString(OldDatabase.DATABASE,
                "SELECT change_seq::text FROM device_replica WHERE device_id = 'replica-device'");
        assertThat(Long.parseLong(replica)).isEqualTo(OldDatabase.UPDATED_AT.get("old2").toEpochMilli());
        // The purge mark is the first change after the purged tombstone: a token below it missed that delete
        String mark = TestInfrastructure.queryString(OldDatabase.DATABASE,
                "SELECT purged_through::text FROM sync_table WHERE name = '" + TABLE + "'");
        assertThat(Long.parseLong(mark)).isEqualTo(OldDatabase.UPDATED_AT.get("old2").toEpochMilli());
    }
}
