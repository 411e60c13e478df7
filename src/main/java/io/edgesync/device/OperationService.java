package io.edgesync.device;

import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.RecordOperation;
import io.edgesync.cache.RecordService;
import io.edgesync.cache.TableInfo;
import io.edgesync.cache.Transactions;
import io.edgesync.cache.WriteOutcome;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Runs the operations of ZUMO devices: each one, its effect on the cache and its entry in the device's queue in one
 * transaction, so the queue is an exact record of what every device sent and what became of it.
 */
@ApplicationScoped
public class OperationService {

    private final Pool pool;
    private final RecordService records;
    private final DeviceQueue queue;
    private final ObjectMapper json;
    private final MeterRegistry metrics;

    public OperationService(Pool pool, RecordService records, DeviceQueue queue, ObjectMapper json,
            MeterRegistry metrics) {
        this.pool = pool;
        this.records = records;
        this.queue = queue;
        this.json = json;
        this.metrics = metrics;
    }

    /** A device as a table-protocol request identifies it, and the user calling through it. */
    public record DeviceCall(String deviceId, String protocol, String clientVersion, Optional<String> userId) {
    }

    /** A new operation id for protocols whose clients send none. */
    public static String newOperationId() {
        return UUID.randomUUID().toString();
    }

    /** Applies a ZUMO / Datasync operation, queued under its device when the request names one. */
    public Uni<WriteOutcome> applyTableOperation(TableInfo table, RecordOperation operation,
            Optional<DeviceCall> device,
            Optional<ObjectNode> sentItem) {
        if (device.isEmpty()) {
            return records.applyOperation(table, operation)
                    .invoke(outcome -> count(table, outcome));
        }
        DeviceCall call = device.get();
        return Transactions.retryingDeadlocks(() -> pool.withTransaction(tx -> queue.reservePositions(tx,
                call.deviceId(), call.protocol(), call.clientVersion(), 1, call.userId())
                .chain(seq -> records.applyOperation(tx, table, operation)
                        .call(outcome -> queue.appendOperation(tx, queued(call, seq, table, operation, sentItem,
                                outcome))))))
                .invoke(outcome -> {
                    records.afterCommit(table, operation, outcome);
                    count(table, outcome);
                });
    }

    /** Records an operation the gateway refused before it reached the cache (invalid item, unknown table...). */
    public Uni<Void> recordRejected(DeviceCall call, String table, String recordId, String kind,
            Optional<ObjectNode> sentItem, int status, String error) {
        ObjectNode result = json.createObjectNode().put("status", status).put("error", error);
        return pool.withTransaction(tx -> queue.reservePositions(tx, call.deviceId(), call.protocol(),
                call.clientVersion(), 1, call.userId())
                .chain(seq -> queue.appendOperation(tx, new QueuedOperation(call.deviceId(), seq, newOperationId(),
                        TableInfo.key(table), recordId, kind, sentItem, Optional.empty(), Optional.empty(),
                        QueuedOperation.REJECTED, result, Optional.empty(), Optional.of(error)))))
                .invoke(() -> metrics.counter("edgesync.operations", "table", TableInfo.key(table), "outcome",
                        QueuedOperation.REJECTED).increment());
    }

    private QueuedOperation queued(DeviceCall call, long seq, TableInfo table, RecordOperation operation,
            Optional<ObjectNode> sentItem, WriteOutcome outcome) {
        String status;
        Optional<String> version = Optional.empty();
        Optional<String> error = Optional.empty();
        ObjectNode result = json.createObjectNode();
        if (outcome instanceof WriteOutcome.Applied applied) {
            status = QueuedOperation.APPLIED;
            version = Optional.of(applied.record().version());
            result.put("outcome", "applied").put("version", applied.record().version());
            applied.conflictDecision().ifPresent(decision -> result.put("conflict", decision));
        } else if (outcome instanceof WriteOutcome.AlreadyExists
                || outcome instanceof WriteOutcome.PreconditionFailed) {
            status = QueuedOperation.CONFLICT;
            result.put("outcome", "conflict").put("decision", "server-wins");
        } else {
            status = QueuedOperation.REJECTED;
            String reason = outcome instanceof WriteOutcome.Deleted
                    ? "The item has been deleted"
                    : "The item does not exist";
            error = Optional.of(reason);
            result.put("outcome", "rejected").put("error", reason);
        }
        return new QueuedOperation(call.deviceId(), seq, operation.context()
                .operationId()
                .orElseGet(
                        OperationService::newOperationId),
                table.name(), operation.id(), operation.kind(), sentItem,
                operation.context().baseVersion(), operation.context().clientUpdatedAt(), status, result, version,
                error);
    }

    private void count(TableInfo table, WriteOutcome outcome) {
        String label = outcome instanceof WriteOutcome.Applied
                ? QueuedOperation.APPLIED
                : outcome instanceof WriteOutcome.AlreadyExists || outcome instanceof WriteOutcome.PreconditionFailed
                        ? QueuedOperation.CONFLICT
                        : QueuedOperation.REJECTED;
        metrics.counter("edgesync.operations", "table", table.name(), "outcome", label).increment();
    }
}
