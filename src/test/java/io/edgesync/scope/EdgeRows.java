package io.edgesync.scope;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;

import org.awaitility.Awaitility;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.events.CudEvent;
import io.edgesync.events.Items;
import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.TestInfrastructure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** What the edge-scope tests read and write around the gateway: this edge's rows, central's rows, another edge. */
final class EdgeRows {

    static final Duration WITHIN = Duration.ofSeconds(30);

    private EdgeRows() {
    }

    /** This edge's row: "live <version>", "deleted <version>" or "absent". */
    static String here(String table, String id) throws Exception {
        String row = query("SELECT CASE WHEN deleted THEN 'deleted ' ELSE 'live ' END || version FROM sync_record"
                + " WHERE table_name = ? AND id = ?", table, id);
        return row == null ? "absent" : row;
    }

    static void awaitHere(String table, String id, String state) {
        Awaitility.await("this edge holds " + id + " as " + state)
                .atMost(WITHIN)
                .until(() -> state.equals(here(table, id)));
    }

    static void awaitAtCentral(String table, String id, String version) {
        Awaitility.await("central holds " + version)
                .atMost(WITHIN)
                .until(() -> version.equals(query("SELECT version FROM central_record WHERE table_name = ? AND id = ?",
                        table, id)));
    }

    /**
     * A master row written straight into central's tables, as rows written through other edges before this one came: at
     * the next master position, this edge has never received it.
     */
    static void insertAtCentral(String table, String id, ObjectNode data, String version, Optional<String> owner)
            throws Exception {
        sql("INSERT INTO central_table (name) VALUES (?) ON CONFLICT DO NOTHING", table);
        sql("""
                INSERT INTO central_record (table_name, id, data, created_at, updated_at, version, deleted, master_seq,
                                            owner_id)
                VALUES (?, ?, ?::jsonb, now(), now(), ?, false, nextval('central_master_seq'), ?)""", table, id,
                data.toString(), version, owner.orElse(null));
    }

    /** A change made at another edge ({@code edge-2}), as its CUD event. */
    static CudEvent otherEdgeChange(String table, String operation, String id, ObjectNode data, Optional<String> base,
            String version, Optional<String> owner) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        ObjectNode item = Items.item(id, data, now, now, version, false);
        return CudEvent.of(UUID.randomUUID(), "edgesync://edge/edge-2", operation, now,
                new CudEvent.Data(table, id, item, base, version, Optional.of("edge-2-device"),
                        Optional.of(UUID.randomUUID().toString()), owner, Optional.empty()));
    }

    /** Changes of the change stream this edge found outside its scopes so far. */
    static double outOfScope(MeterRegistry metrics) {
        Counter counter = metrics.find("edgesync.changes.consumed").tag("outcome", "out-of-scope").counter();
        return counter == null ? 0 : counter.count();
    }

    static void sql(String statement, String... params) throws Exception {
        try (Connection connection = TestInfrastructure.connect(InfrastructureResource.DATABASE);
                PreparedStatement prepared = connection.prepareStatement(statement)) {
            for (int i = 0; i < params.length; i++) {
                prepared.setString(i + 1, params[i]);
            }
            prepared.executeUpdate();
        }
    }

    static String query(String sql, String... params) throws Exception {
        return TestInfrastructure.queryString(InfrastructureResource.DATABASE, sql, params);
    }
}
