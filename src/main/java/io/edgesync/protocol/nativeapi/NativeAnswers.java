package io.edgesync.protocol.nativeapi;

import java.util.Locale;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.StoredRecord;
import io.edgesync.cache.TableInfo;
import io.edgesync.cache.WriteOutcome;
import io.edgesync.device.QueuedOperation;
import io.edgesync.protocol.zumo.ItemWriter;
import io.edgesync.sync.AnswerFormat;
import io.edgesync.sync.WriteRequest;

/**
 * The native push's answer to each operation, which is also what its queue entry stores (a retried batch gets it back):
 * applied with the record; a conflict with the server's record (parked on tables that stop on conflicts); parked with
 * the reason when the operation cannot apply.
 */
@ApplicationScoped
public class NativeAnswers implements AnswerFormat {

    private final ObjectMapper json;
    private final ItemWriter writer;

    public NativeAnswers(ObjectMapper json, ItemWriter writer) {
        this.json = json;
        this.writer = writer;
    }

    @Override
    public Answer answer(long seq, String operationId, WriteRequest request, Optional<TableInfo> table,
            WriteOutcome outcome, boolean stopsOnConflict) {
        ObjectNode body = json.createObjectNode().put("operationId", operationId).put("seq", seq);
        if (outcome instanceof WriteOutcome.Applied applied) {
            body.put("status", QueuedOperation.APPLIED).set("record", writer.writeItem(table.get(), applied.record()));
            applied.conflictDecision().ifPresent(decision -> body.put("conflict", decision));
            return new Answer(QueuedOperation.APPLIED, Optional.empty(), body);
        }
        if (outcome instanceof WriteOutcome.Deleted deleted && WriteRequest.DELETE.equals(kind(request))) {
            // Deleting what is already deleted: the device's intent holds.
            body.put("status", QueuedOperation.APPLIED)
                    .put("alreadyDeleted", true)
                    .set("record", writer.writeItem(table.get(), deleted.current()));
            return new Answer(QueuedOperation.APPLIED, Optional.empty(), body);
        }
        Optional<StoredRecord> server = serverRecord(outcome);
        if (server.isPresent()) {
            String status = stopsOnConflict ? QueuedOperation.PARKED : QueuedOperation.CONFLICT;
            body.put("status", status)
                    .put("decision", "server-wins")
                    .set("serverRecord", writer.writeItem(table.get(), server.get()));
            Optional<String> error = stopsOnConflict
                    ? Optional.of("Conflict with the server's version; the table stops on conflicts")
                    : Optional.empty();
            error.ifPresent(e -> body.put("error", e));
            return new Answer(status, error, body);
        }
        String error;
        if (outcome instanceof WriteOutcome.IdTaken) {
            error = "The id '" + recordId(request) + "' is already in use";
        } else if (outcome instanceof WriteOutcome.Rejected rejected) {
            error = rejected.message();
        } else {
            error = "The record '" + recordId(request) + "' does not exist";
        }
        body.put("status", QueuedOperation.PARKED).put("error", error);
        return new Answer(QueuedOperation.PARKED, Optional.of(error), body);
    }

    private static Optional<StoredRecord> serverRecord(WriteOutcome outcome) {
        if (outcome instanceof WriteOutcome.AlreadyExists exists) {
            return Optional.of(exists.current());
        }
        if (outcome instanceof WriteOutcome.PreconditionFailed failed) {
            return Optional.of(failed.current());
        }
        if (outcome instanceof WriteOutcome.Deleted deleted) {
            return Optional.of(deleted.current());
        }
        return Optional.empty();
    }

    private static String kind(WriteRequest request) {
        return request.kind() == null ? "" : request.kind().toLowerCase(Locale.ROOT);
    }

    private static String recordId(WriteRequest request) {
        return request.id().orElseGet(() -> request.item().map(item -> item.path("id").asText("")).orElse(""));
    }
}
