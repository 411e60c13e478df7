package io.edgesync.device;

import java.time.Instant;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One entry of a device's operation queue.
 *
 * @param deviceId the device
 * @param seq its position in the device's order of sending
 * @param operationId the device's operation id
 * @param table the table
 * @param recordId the record
 * @param kind insert, update, delete or undelete
 * @param item what the device sent
 * @param baseVersion the version the device based the change on
 * @param clientUpdatedAt when the device made the change
 * @param status applied, conflict, rejected, parked or discarded
 * @param result the answer given to the device (replayed when it retries)
 * @param resultVersion the record's version after the operation, when it was applied
 * @param error why it was rejected or parked
 */
public record QueuedOperation(String deviceId, long seq, String operationId, String table, String recordId,
        String kind, Optional<ObjectNode> item, Optional<String> baseVersion, Optional<Instant> clientUpdatedAt,
        String status, ObjectNode result, Optional<String> resultVersion, Optional<String> error) {

    public static final String APPLIED = "applied";
    public static final String CONFLICT = "conflict";
    public static final String REJECTED = "rejected";
    public static final String PARKED = "parked";
    public static final String DISCARDED = "discarded";
}
