package io.edgesync.sync;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.TestInfrastructure;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

import static io.edgesync.testsupport.ZumoRequests.insertThroughZumo;
import static io.edgesync.testsupport.ZumoRequests.zumo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A ZUMO insert or update is written by one statement that names only the tables the write needs: the table's column
 * list when the write adds columns, the version history when the table keeps versions. These writes need them.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class SingleWriteTablesTest {

    @Test
    void singleWritesThatAddColumnsRecordThem() throws Exception {
        // A table whose rows are shared learns the columns writes bring (a per-user table does not)
        String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String id = "columns-" + suffix;
        String inserted = "inserted_" + suffix;
        String patched = "patched_" + suffix;
        String device = UUID.randomUUID().toString();
        String version = zumo(device).body("{\"id\":\"" + id + "\",\"" + inserted + "\":\"first\"}")
                .post("/tables/shared_board")
                .then()
                .statusCode(201)
                .extract()
                .path("version");
        patch(device, "shared_board", id, version, "{\"id\":\"" + id + "\",\"" + patched + "\":3}");

        assertThat(text("SELECT columns::text FROM sync_table WHERE name = 'shared_board'"))
                .contains("\"" + inserted + "\"")
                .contains("\"" + patched + "\"");
    }

    @Test
    void singleWritesOfATableThatKeepsVersionsKeepThem() throws Exception {
        // Each version is kept by the write's own transaction (the one that wrote the device's queue entry): the
        // change stream's echo from central keeps the same versions too, later and in a transaction of its own
        String id = "kept-" + UUID.randomUUID();
        String device = UUID.randomUUID().toString();
        String first = insertThroughZumo(device, "cp_merge", id, "first");
        assertThat(keptByTheWrite(id, first)).isEqualTo("first");
        String second = patch(device, "cp_merge", id, first, "{\"id\":\"" + id + "\",\"text\":\"second\"}");
        assertThat(keptByTheWrite(id, second)).isEqualTo("second");
    }

    /** Updates a record at {@code version} (If-Match); the answer must be a 200, whose new version it returns. */
    private static String patch(String device, String table, String id, String version, String body) {
        return zumo(device).header("If-Match", "\"" + version + "\"")
                .body(body)
                .patch("/tables/" + table + "/" + id)
                .then()
                .statusCode(200)
                .extract()
                .path("version");
    }

    /** The text kept for a version by the transaction that queued the write of that version, if that one kept it. */
    private static String keptByTheWrite(String id, String version) throws Exception {
        return text("SELECT v.data->>'text' FROM record_version v JOIN device_operation o"
                + " ON o.table_name = v.table_name AND o.record_id = v.record_id AND o.result_version = v.version"
                + " WHERE v.table_name = 'cp_merge' AND v.record_id = ? AND v.version = ?"
                + " AND v.xmin::text = o.xmin::text", id, version);
    }

    private static String text(String sql, String... params) throws Exception {
        return TestInfrastructure.queryString(InfrastructureResource.DATABASE, sql, params);
    }
}
