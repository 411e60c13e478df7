package io.edgesync.admin;

import java.time.Instant;
import java.util.Map;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One entry of a device's operation queue.
 *
 * @param seq its position in the device's order of sending (the key for retry and discard)
 * @param operationId the device's operation id (generated for ZUMO devices)
 * @param table the table
 * @param recordId the record
 * @param kind {@code insert}, {@code update}, {@code delete} or {@code undelete}
 * @param item what the device sent
 * @param baseVersion the version the device based the change on
 * @param clientUpdatedAt when the device made the change
 * @param status {@code applied}, {@code conflict}, {@code rejected}, {@code parked} or {@code discarded}
 * @param result the answer the device was given (replayed when it resends the batch)
 * @param resultVersion the record's version after the operation, when it was applied
 * @param error why it was rejected or parked
 * @param receivedAt when the gateway received it
 * @param resolvedAt when it reached its final status (null while parked)
 */
public record AdminOperation(long seq, String operationId, String table, String recordId, String kind,
        @Schema(description = "What the device sent: the record's columns", implementation = Map.class) JsonNode item,
        String baseVersion, Instant clientUpdatedAt, String status,
        @Schema(description = "The answer the device was given: a PushOperationResult for native devices; for table"
                + " protocol devices {outcome, version} when applied, {outcome, decision} on a conflict, {outcome or"
                + " status, error} when rejected", implementation = Map.class) JsonNode result,
        String resultVersion, String error, Instant receivedAt, Instant resolvedAt) {
}
