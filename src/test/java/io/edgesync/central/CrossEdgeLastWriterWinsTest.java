package io.edgesync.central;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.ProtocolDates;
import io.edgesync.events.CudEvent;
import io.edgesync.events.Items;
import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.NativePush;
import io.edgesync.testsupport.OtherEdge;
import io.edgesync.testsupport.TestInfrastructure;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Last-writer-wins across edges compares when each change was made, as its device said, and never when an edge happened
 * to stamp it: central compares a CUD event's time with the master's, and an edge compares a device's change with the
 * time a change from another edge was made.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class CrossEdgeLastWriterWinsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TABLE = "cp_lww";
    private static final Duration WITHIN = Duration.ofSeconds(30);

    @Test
    void everyDecisionComparesTheTimesTheChangesWereMade() throws Exception {
        // Given a record a device of this edge created, known to central
        String id = "lww-" + UUID.randomUUID();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String device = "native-" + UUID.randomUUID();
        JsonNode created = NativePush.push(device, ops(op("c", "insert", id, "original", Optional.empty(), now)));
        String v1 = created.at("/results/0/record/version").asText();
        awaitMaster(id, v1);

        // When a device of edge 2 changes it, made 60 s ago (edge 2 stamped it now)
        OtherEdge.publish(update("edge-2", id, v1, "e2v2", "made 60 s ago", now, now.minusSeconds(60)));
        awaitMaster(id, "e2v2");

        // And a device of edge 3 changed it from the same base 120 s ago, but edge 3 stamped it later
        OtherEdge
                .publish(update("edge-3", id, v1, "e3v2", "made 120 s ago", now.plusSeconds(1), now.minusSeconds(120)));
        Awaitility.await("central decided edge 3's change")
                .atMost(WITHIN)
                .until(() -> count("SELECT count(*) FROM central_event WHERE record_id = ? AND new_version = 'e3v2'"
                        + " AND outcome <> 'pending'", id) == 1);

        // Then central keeps edge 2's change: it was made later, whatever the stamps say
        assertThat(text("SELECT version FROM central_record WHERE id = ?", id)).isEqualTo("e2v2");
        // And its conflict log shows both times the decision compared
        assertThat(text("SELECT decision || ' ' || (client_item->>'clientUpdatedAt') || ' '"
                + " || (server_item->>'clientUpdatedAt') FROM sync_conflict WHERE source = 'central'"
                + " AND record_id = ?", id))
                .isEqualTo("server-wins " + ProtocolDates.format(now.minusSeconds(120)) + " "
                        + ProtocolDates.format(now.minusSeconds(60)));

        // When this edge has edge 2's change, and a device of this edge pushes a change it made 30 s ago, from v1
        Awaitility.await("the edge has edge 2's change")
                .atMost(WITHIN)
                .until(() -> "e2v2".equals(text("SELECT version FROM sync_record WHERE table_name = ? AND id = ?",
                        TABLE, id)));
        JsonNode late = NativePush.push(device,
                ops(op("u", "update", id, "made 30 s ago", Optional.of(v1), now.minusSeconds(30))));

        // Then it wins: it was made after edge 2's change (which this edge stored just now)
        assertThat(late.at("/results/0/status").asText()).isEqualTo("applied");
        assertThat(text("SELECT data->>'text' FROM sync_record WHERE table_name = ? AND id = ?", TABLE, id))
                .isEqualTo("made 30 s ago");

        // And a device change made 90 s ago, from v1 again, loses to it
        JsonNode older = NativePush.push(device,
                ops(op("o", "update", id, "made 90 s ago", Optional.of(v1), now.minusSeconds(90))));
        assertThat(older.at("/results/0/status").asText()).isNotEqualTo("applied");
        assertThat(text("SELECT data->>'text' FROM sync_record WHERE table_name = ? AND id = ?", TABLE, id))
                .isEqualTo("made 30 s ago");
    }

    private static CudEvent update(String edge, String id, String base, String version, String text, Instant stamped,
            Instant made) {
        ObjectNode item = Items.item(id, JSON.createObjectNode().put("text", text), stamped, stamped, version, false);
        return CudEvent.of(UUID.randomUUID(), "edgesync://edge/" + edge, "update", stamped,
                new CudEvent.Data(TABLE, id, item, Optional.of(base), version, Optional.of(edge + "-device"),
                        Optional.of(UUID.randomUUID().toString()), Optional.empty(), Optional.of(made)));
    }

    private static void awaitMaster(String id, String version) {
        Awaitility.await("central holds " + version)
                .atMost(WITHIN)
                .until(() -> version.equals(text("SELECT version FROM central_record WHERE id = ?", id)));
    }

    private static ArrayNode ops(ObjectNode operation) {
        return JSON.createArrayNode().add(operation);
    }

    private static ObjectNode op(String operationId, String kind, String id, String text, Optional<String> base,
            Instant made) {
        return NativePush.operation(operationId + "-" + UUID.randomUUID(), TABLE, kind, id,
                JSON.createObjectNode().put("text", text), base.orElse(null))
                .put("clientUpdatedAt", ProtocolDates.format(made));
    }

    private static String text(String sql, String... params) throws Exception {
        return TestInfrastructure.queryString(InfrastructureResource.DATABASE, sql, params);
    }

    private static long count(String sql, String... params) throws Exception {
        return Long.parseLong(text(sql, params));
    }
}
