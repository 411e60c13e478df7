package io.edgesync.sync;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.ChangeStreamApplier;
import io.edgesync.cache.RecordVersions;
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
 * Merges find their base in the version history, kept for the merge tables only: a version this edge wrote, or one it
 * received from another edge, until the merge base retention passes.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class MergeBasesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TABLE = "cp_merge";
    private static final Duration WITHIN = Duration.ofSeconds(30);

    @Inject
    RecordVersions versions;

    @Inject
    ChangeStreamApplier records;

    @Test
    void aChangeBasedOnAVersionFromAnotherEdgeMergesWithItsBase() throws Exception {
        // Given a record of this edge, which a device of edge 2 then changed
        String id = "merge-" + UUID.randomUUID();
        String deviceA = "native-" + UUID.randomUUID();
        String deviceB = "native-" + UUID.randomUUID();
        String v1 = push(deviceA, "c", "insert", id, item("text", "base", "note", "n0"), Optional.empty())
                .at("/results/0/record/version")
                .asText();
        Awaitility.await("central holds v1")
                .atMost(WITHIN)
                .until(() -> v1.equals(text("SELECT version FROM central_record WHERE id = ?", id)));
        Instant now = Instant.now();
        ObjectNode byEdge2 = Items.item(id, item("text", "text by edge 2", "note", "n0"), now, now, "e2v2", false);
        OtherEdge.publish(CudEvent.of(UUID.randomUUID(), "edgesync://edge/edge-2", "update", now,
                new CudEvent.Data(TABLE, id, byEdge2, Optional.of(v1), "e2v2", Optional.of("edge-2-device"),
                        Optional.of(UUID.randomUUID().toString()))));
        Awaitility.await("this edge has edge 2's change")
                .atMost(WITHIN)
                .until(() -> "e2v2".equals(text("SELECT version FROM sync_record WHERE table_name = ? AND id = ?",
                        TABLE, id)));

        // When device A changes the note from there, and device B, which also pulled edge 2's version, the text
        push(deviceA, "a", "update", id, item("text", "text by edge 2", "note", "note by A"), Optional.of("e2v2"));
        JsonNode b = push(deviceB, "b", "update", id, item("text", "text by B", "note", "n0"), Optional.of("e2v2"));

        // Then B's change merges with A's against edge 2's version: both are kept, and the base was known
        assertThat(b.at("/results/0/status").asText()).isEqualTo("applied");
        assertThat(text("SELECT data->>'text' || ' / ' || (data->>'note') FROM sync_record"
                + " WHERE table_name = ? AND id = ?", TABLE, id)).isEqualTo("text by B / note by A");
        assertThat(text("SELECT decision || ' ' || coalesce(client_item->>'baseMissing', 'base known')"
                + " FROM sync_conflict WHERE device_id = ? AND record_id = ?", deviceB, id))
                .isEqualTo("merged base known");

        // And this edge kept edge 2's version itself, as it keeps every change it receives for a merge table (here
        // central shares the database: a change straight from the change stream shows the edge's part)
        records.applyReplicatedChanges(List.of(new ChangeStreamApplier.ReplicatedChange(TABLE, id,
                item("text", "from the stream", "note", "n9"), "streamed", false, Long.MAX_VALUE / 2, Optional.empty(),
                Optional.empty(), Optional.empty(), true))).await().atMost(WITHIN);
        assertThat(text("SELECT data->>'text' FROM record_version WHERE table_name = ? AND record_id = ?"
                + " AND version = 'streamed'", TABLE, id)).isEqualTo("from the stream");

        // And tables that do not merge keep no versions
        String plain = NativePush.push(deviceA, JSON.createArrayNode()
                .add(operation("p", "todoitem", "insert",
                        "plain-" + id, item("text", "plain"), Optional.empty())))
                .at("/results/0/record/id")
                .asText();
        assertThat(text("SELECT count(*) FROM record_version WHERE record_id = ?", plain)).isEqualTo("0");

        // When the merge base retention has passed, the versions go
        assertThat(Long.parseLong(text("SELECT count(*) FROM record_version WHERE record_id = ?", id)))
                .isGreaterThanOrEqualTo(4);
        versions.prune(Duration.ZERO).await().atMost(WITHIN);
        assertThat(text("SELECT count(*) FROM record_version WHERE record_id = ?", id)).isEqualTo("0");
    }

    private static JsonNode push(String device, String operationId, String kind, String id, ObjectNode item,
            Optional<String> base) throws Exception {
        ArrayNode operations = JSON.createArrayNode().add(operation(operationId, TABLE, kind, id, item, base));
        return NativePush.push(device, operations);
    }

    private static ObjectNode operation(String operationId, String table, String kind, String id, ObjectNode item,
            Optional<String> base) {
        return NativePush.operation(operationId + "-" + UUID.randomUUID(), table, kind, id, item, base.orElse(null));
    }

    private static ObjectNode item(String... namesAndValues) {
        ObjectNode item = JSON.createObjectNode();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            item.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return item;
    }

    private static String text(String sql, String... params) throws Exception {
        return TestInfrastructure.queryString(InfrastructureResource.DATABASE, sql, params);
    }
}
