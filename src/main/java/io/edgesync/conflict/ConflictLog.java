package io.edgesync.conflict;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.ProtocolDates;
import io.edgesync.cache.StoredRecord;
import io.edgesync.common.Meters;
import io.edgesync.odata.SqlParams;
import io.micrometer.core.instrument.MeterRegistry;

/** The conflict log: every conflict with both sides and the decision, in the transaction that decided it. */
@ApplicationScoped
public class ConflictLog {

    private final MeterRegistry metrics;

    public ConflictLog(MeterRegistry metrics) {
        this.metrics = metrics;
    }

    /**
     * The server side of a conflict as the log keeps it, on edges and central alike: the record's columns under
     * {@code data}, its version, when it was stored ({@code updatedAt}), when its change was made if the device said so
     * ({@code clientUpdatedAt}: what last-writer-wins compared), and whether it was deleted.
     */
    public static ObjectNode serverItem(StoredRecord record) {
        ObjectNode item = JsonNodeFactory.instance.objectNode();
        item.put("id", record.id());
        item.set("data", record.data());
        item.put("version", record.version());
        item.put("updatedAt", ProtocolDates.format(record.updatedAt()));
        record.clientUpdatedAt().ifPresent(time -> item.put("clientUpdatedAt", ProtocolDates.format(time)));
        item.put("deleted", record.deleted());
        return item;
    }

    /** One logged conflict. */
    public record Entry(String source, String table, String recordId, Optional<String> deviceId,
            Optional<String> operationId, String policy, String decision, Optional<String> baseVersion,
            Optional<ObjectNode> clientItem, Optional<ObjectNode> serverItem, Optional<ObjectNode> resultItem) {
    }

    /**
     * The part of a write statement that logs conflicts: a CTE named {@code conflicts} over arrays bound to
     * {@code params}. Count them with {@link #countLogged} once the transaction committed.
     */
    public static String appendCte(SqlParams params, List<Entry> entries) {
        return """
                conflicts AS (
                    INSERT INTO sync_conflict (source, table_name, record_id, device_id, operation_id, policy, decision,
                                               base_version, client_item, server_item, result_item)
                    SELECT c.source, c.table_name, c.record_id, c.device_id, c.operation_id, c.policy, c.decision,
                           c.base_version, c.client_item::jsonb, c.server_item::jsonb, c.result_item::jsonb
                    FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[],
                                %s::text[], %s::text[], %s::text[], %s::text[])
                         AS c(source, table_name, record_id, device_id, operation_id, policy, decision, base_version,
                              client_item, server_item, result_item))"""
                .formatted(params.add(column(entries, Entry::source)), params.add(column(entries, Entry::table)),
                        params.add(column(entries, Entry::recordId)),
                        params.add(column(entries, e -> e.deviceId().orElse(null))),
                        params.add(column(entries, e -> e.operationId().orElse(null))),
                        params.add(column(entries, Entry::policy)), params.add(column(entries, Entry::decision)),
                        params.add(column(entries, e -> e.baseVersion().orElse(null))),
                        params.add(column(entries, e -> e.clientItem().map(ObjectNode::toString).orElse(null))),
                        params.add(column(entries, e -> e.serverItem().map(ObjectNode::toString).orElse(null))),
                        params.add(column(entries, e -> e.resultItem().map(ObjectNode::toString).orElse(null))));
    }

    /** Counts conflicts logged by a committed write statement. */
    public void countLogged(List<Entry> entries) {
        entries.forEach(entry -> Meters.counter(metrics, "edgesync.conflicts", "table", entry.table(), "policy",
                entry.policy(), "decision", entry.decision(), "source", entry.source()).increment());
    }

    private static String[] column(List<Entry> entries, Function<Entry, String> value) {
        return entries.stream().map(value).toArray(String[]::new);
    }
}
