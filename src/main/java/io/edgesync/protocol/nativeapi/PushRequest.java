package io.edgesync.protocol.nativeapi;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.protocol.zumo.TableRecord;

/**
 * A native batch push: a device's operations in the order it made them.
 *
 * @param operations the batch
 */
@Schema(name = "PushRequest", description = "A batch of operations, in the order the device made them")
public record PushRequest(@Schema(required = true) List<Op> operations) {

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
    @Schema(name = "PushOperation", description = "One operation of a batch")
    public record Op(
            @Schema(description = "The device's id of the operation, 1 to 128 characters: retrying a batch with the same"
                    + " ids applies nothing twice", required = true, maxLength = 128) String operationId,
            @Schema(description = "The table", required = true) String table,
            @Schema(description = "update merges the given columns", enumeration = {
                    "insert", "update", "delete",
                    "undelete"}, required = true) String kind,
            @Schema(description = "The record id (generated for an insert without one)") String id,
            @Schema(description = "The columns (insert, update)", ref = TableRecord.NAME) ObjectNode item,
            @Schema(description = "The version the device changed; a different current version is a conflict for the"
                    + " table's policy; absent means unconditional") String baseVersion,
            @Schema(description = "When the device made the change, for last-writer-wins", format = "date-time") String clientUpdatedAt){
    }
}
