package io.edgesync.protocol.nativeapi;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.Precondition;
import io.edgesync.cache.ProtocolDates;
import io.edgesync.cache.TableCatalog;
import io.edgesync.common.DomainException;
import io.edgesync.common.JsonPolicy;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.device.DeviceIds;
import io.edgesync.security.Caller;
import io.edgesync.sync.WriteCall;
import io.edgesync.sync.WriteRequest;
import io.edgesync.sync.WriteResult;
import io.edgesync.sync.WriteService;
import io.smallrye.mutiny.Uni;

/**
 * Native batch push: checks the batch as a whole (device id, size, operation ids), turns each operation into a
 * {@link WriteRequest} and lets the {@link WriteService} apply them in order in one transaction. Idempotent by
 * operation id (a retried batch gets the stored answers); a failing operation is parked with its reason and does not
 * stop the others, unless its table is configured to stop on conflict.
 */
@ApplicationScoped
public class PushService {

    private static final int MAX_OPERATION_ID = 128;

    private final WriteService writes;
    private final NativeAnswers answers;
    private final EdgeSyncConfig.Limits limits;

    public PushService(WriteService writes, NativeAnswers answers, EdgeSyncConfig config) {
        this.writes = writes;
        this.answers = answers;
        this.limits = config.limits();
    }

    /** Applies a batch and returns one answer per operation, in order. */
    public Uni<List<ObjectNode>> pushOperations(String deviceId, String clientVersion, PushRequest request,
            Caller caller) {
        List<PushRequest.Op> operations = validateBatch(deviceId, request);
        List<WriteRequest> requests = new ArrayList<>(operations.size());
        for (int i = 0; i < operations.size(); i++) {
            requests.add(toRequest(i, operations.get(i)));
        }
        WriteCall call = new WriteCall(caller, Optional.of(deviceId), "native", Optional.ofNullable(clientVersion),
                answers);
        return writes.writeAll(call, requests).map(results -> results.stream().map(WriteResult::answer).toList());
    }

    /** Re-applies a parked operation to the current state (an administrator's retry); its queue entry is updated. */
    public Uni<ObjectNode> retryParkedOperation(String deviceId, long seq) {
        return writes.retryParked(deviceId, seq, answers).map(WriteResult::answer);
    }

    /**
     * A native operation as the write service takes it: updates merge the given columns; a base version is the
     * precondition (a different current version is a conflict for the table's policy); an update of a record the server
     * deleted is a conflict too.
     */
    private static WriteRequest toRequest(int index, PushRequest.Op op) {
        Optional<Instant> clientTime = Optional.ofNullable(op.clientUpdatedAt()).map(text -> {
            try {
                return ProtocolDates.parse(text);
            } catch (DateTimeParseException e) {
                throw DomainException.invalid("Operation " + index + ": clientUpdatedAt is not an ISO-8601 date-time");
            }
        });
        Optional<String> base = Optional.ofNullable(op.baseVersion()).filter(v -> !v.isEmpty());
        Precondition precondition = base.map(Precondition::versionIs).orElse(Precondition.NONE);
        return new WriteRequest(op.table(), op.kind(), Optional.ofNullable(op.id()), Optional.ofNullable(op.item()),
                precondition, base, clientTime, Optional.of(op.operationId()), true, false, true);
    }

    private List<PushRequest.Op> validateBatch(String deviceId, PushRequest request) {
        if (!DeviceIds.isValid(deviceId)) {
            throw DomainException.invalid("Invalid device id: 1 to 128 characters, letters, digits and . _ : -");
        }
        if (request == null || request.operations() == null) {
            throw DomainException.invalid("The body must be {\"operations\": [...]}");
        }
        List<PushRequest.Op> operations = request.operations();
        if (operations.size() > limits.maxBatchOperations()) {
            throw DomainException.invalid("A batch holds at most " + limits.maxBatchOperations() + " operations");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < operations.size(); i++) {
            PushRequest.Op op = operations.get(i);
            if (op == null || op.operationId() == null || op.operationId().isBlank()
                    || op.operationId().length() > MAX_OPERATION_ID) {
                throw DomainException.invalid("Operation " + i + ": operationId must be 1 to " + MAX_OPERATION_ID
                        + " characters");
            }
            if (op.kind() == null || !WriteRequest.KINDS.contains(op.kind().toLowerCase(Locale.ROOT))) {
                throw DomainException.invalid("Operation " + i + ": unknown kind '" + op.kind()
                        + "': use insert, update, delete or undelete");
            }
            if (op.table() == null || !TableCatalog.TABLE_NAME.matcher(op.table()).matches()) {
                throw DomainException.invalid("Operation " + i + ": " + TableCatalog.INVALID_TABLE_NAME);
            }
            if (!seen.add(op.operationId())) {
                throw DomainException.invalid("Operation " + i + ": operationId '" + op.operationId()
                        + "' appears twice in the batch");
            }
            if (op.item() != null && op.item().toString().length() > limits.maxItemBytes()) {
                throw DomainException.tooLarge("Operation " + i + ": the item is larger than " + limits.maxItemBytes()
                        + " bytes");
            }
            Optional<String> outOfRange = op.item() == null
                    ? Optional.empty()
                    : JsonPolicy.firstNonFiniteNumber(op.item());
            if (outOfRange.isPresent()) {
                throw DomainException.invalid("Operation " + i + ": "
                        + JsonPolicy.nonFiniteMessage("/item" + outOfRange.get()));
            }
        }
        return operations;
    }
}
