package io.edgesync.protocol.zumo;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.TableInfo;
import io.edgesync.cache.WriteOutcome;
import io.edgesync.common.ErrorTable;
import io.edgesync.device.QueuedOperation;
import io.edgesync.sync.AnswerFormat;
import io.edgesync.sync.WriteRequest;

/**
 * What a ZUMO device's queue records of each operation: the HTTP answer itself is rendered by {@link TableResource};
 * the queue keeps its outcome (applied with the new version, a conflict the server won, or rejected with the reason).
 * ZUMO clients send one operation per request, so nothing ever waits behind a failed one.
 */
@ApplicationScoped
public class ZumoAnswers implements AnswerFormat {

    private static final String NOT_FOUND = "The item does not exist";
    private static final String GONE = "The item has been deleted";

    private final ObjectMapper json;

    public ZumoAnswers(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public Answer answer(long seq, String operationId, WriteRequest request, Optional<TableInfo> table,
            WriteOutcome outcome, boolean stopsOnConflict) {
        ObjectNode body = json.createObjectNode();
        if (outcome instanceof WriteOutcome.Applied applied) {
            body.put("outcome", "applied").put("version", applied.record().version());
            applied.conflictDecision().ifPresent(decision -> body.put("conflict", decision));
            return new Answer(QueuedOperation.APPLIED, Optional.empty(), body);
        }
        if (outcome instanceof WriteOutcome.AlreadyExists || outcome instanceof WriteOutcome.PreconditionFailed) {
            body.put("outcome", "conflict").put("decision", "server-wins");
            return new Answer(QueuedOperation.CONFLICT, Optional.empty(), body);
        }
        if (outcome instanceof WriteOutcome.Rejected rejected) {
            body.put("status", ErrorTable.status(rejected.kind())).put("error", rejected.message());
            return new Answer(QueuedOperation.REJECTED, Optional.of(rejected.message()), body);
        }
        String reason = outcome instanceof WriteOutcome.Deleted ? GONE : NOT_FOUND;
        body.put("outcome", "rejected").put("error", reason);
        return new Answer(QueuedOperation.REJECTED, Optional.of(reason), body);
    }

    @Override
    public boolean answersWithoutStamp() {
        return true;
    }

    @Override
    public boolean blocksLaterOperations(Answer answer) {
        return false;
    }
}
