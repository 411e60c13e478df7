package io.edgesync.nativeapi;

import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A native batch push: a device's operations in the order it made them.
 *
 * @param operations the batch
 */
public record PushRequest(List<Op> operations) {

    /**
     * One operation.
     *
     * @param operationId the device's id of the operation: retrying a batch with the same ids applies nothing twice
     * @param table the table
     * @param kind {@code insert}, {@code update} (merges the given columns), {@code delete} or {@code undelete}
     * @param id the record id (generated for an insert without one)
     * @param item the columns (insert, update)
     * @param baseVersion the version the device changed; a different current version is a conflict for the table's
     *     policy; absent means unconditional
     * @param clientUpdatedAt when the device made the change (ISO-8601), for last-writer-wins
     */
    public record Op(String operationId, String table, String kind, String id, ObjectNode item, String baseVersion,
            String clientUpdatedAt) {
    }
}
