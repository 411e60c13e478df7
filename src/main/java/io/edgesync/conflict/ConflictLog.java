package io.edgesync.conflict;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/** The conflict log: every conflict with both sides and the decision, in the transaction that decided it. */
@ApplicationScoped
public class ConflictLog {

    private final MeterRegistry metrics;

    public ConflictLog(MeterRegistry metrics) {
        this.metrics = metrics;
    }

    /** One logged conflict. */
    public record Entry(String source, String table, String recordId, Optional<String> deviceId,
            Optional<String> operationId, String policy, String decision, Optional<String> baseVersion,
            Optional<ObjectNode> clientItem, Optional<ObjectNode> serverItem, Optional<ObjectNode> resultItem) {
    }

    public Uni<Void> logConflict(SqlClient tx, Entry entry) {
        List<Object> params = new ArrayList<>();
        params.add(entry.source());
        params.add(entry.table());
        params.add(entry.recordId());
        params.add(entry.deviceId().orElse(null));
        params.add(entry.operationId().orElse(null));
        params.add(entry.policy());
        params.add(entry.decision());
        params.add(entry.baseVersion().orElse(null));
        params.add(entry.clientItem().map(ObjectNode::toString).orElse(null));
        params.add(entry.serverItem().map(ObjectNode::toString).orElse(null));
        params.add(entry.resultItem().map(ObjectNode::toString).orElse(null));
        return tx.preparedQuery("""
                INSERT INTO sync_conflict (source, table_name, record_id, device_id, operation_id, policy, decision,
                                           base_version, client_item, server_item, result_item)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::jsonb, $10::text::jsonb, $11::text::jsonb)""")
                .execute(Tuple.tuple(params))
                .invoke(() -> metrics.counter("edgesync.conflicts", "table", entry.table(), "policy", entry.policy(),
                        "decision", entry.decision(), "source", entry.source()).increment())
                .replaceWithVoid();
    }
}
