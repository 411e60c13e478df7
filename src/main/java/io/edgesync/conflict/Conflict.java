package io.edgesync.conflict;

import java.time.Instant;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.StoredRecord;

/**
 * A device's change that does not apply cleanly to the record as the server has it.
 *
 * @param table the table
 * @param kind what clashed
 * @param clientData the columns the device sent (empty for a delete)
 * @param clientDeletes whether the device's change is a delete
 * @param partial whether {@code clientData} holds only changed columns (a merge update) rather than the whole item
 * @param clientUpdatedAt when the device made the change, if it said so
 * @param server the record as the server has it now
 * @param base the record as it was at the version the device based its change on, when still known
 */
public record Conflict(String table, Kind kind, Optional<ObjectNode> clientData, boolean clientDeletes,
        boolean partial, Optional<Instant> clientUpdatedAt, StoredRecord server, Optional<ObjectNode> base) {

    /** What clashed. */
    public enum Kind {
        /** The device changed a version that is no longer current. */
        STALE_VERSION,
        /** The device inserted an id the server already has. */
        ALREADY_EXISTS,
        /** The device changed a record the server has deleted. */
        DELETED_ON_SERVER,
        /**
         * The device inserted or changed an id that belongs to another user (found at central, when the two users wrote
         * it on different edges). No policy decides this one: the owner's row stays.
         */
        OTHER_OWNER
    }
}
