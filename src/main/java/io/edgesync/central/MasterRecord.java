package io.edgesync.central;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.StoredRecord;
import io.edgesync.events.Items;

/**
 * A master row of the central service: the authoritative state of one record.
 *
 * @param table the sync table
 * @param id the record id
 * @param state the row's state
 * @param masterSeq the position of the row's last publication on the change stream
 * @param owner the user the record belongs to (on per-user tables), decided by the first event of its id central
 *     applied; empty: nobody
 */
public record MasterRecord(String table, String id, RowState state, long masterSeq, Optional<String> owner) {

    public MasterRecord {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(state, "state");
        owner = Objects.requireNonNullElse(owner, Optional.empty());
    }

    /**
     * The state of a record.
     *
     * @param data user columns
     * @param createdAt when the record was created (as the creating edge stamped it)
     * @param updatedAt when the accepted change was made (as its edge stamped it)
     * @param version the version
     * @param deleted whether it is a tombstone
     * @param clientUpdatedAt when the device made the accepted change, if it said so (last-writer-wins compares it)
     */
    public record RowState(ObjectNode data, Instant createdAt, Instant updatedAt, String version, boolean deleted,
            Optional<Instant> clientUpdatedAt) {

        /** A state whose change did not say when it was made. */
        public RowState(ObjectNode data, Instant createdAt, Instant updatedAt, String version, boolean deleted) {
            this(data, createdAt, updatedAt, version, deleted, Optional.empty());
        }

        public RowState {
            Objects.requireNonNull(data, "data");
            Objects.requireNonNull(createdAt, "createdAt");
            Objects.requireNonNull(updatedAt, "updatedAt");
            Objects.requireNonNull(version, "version");
            clientUpdatedAt = Objects.requireNonNullElse(clientUpdatedAt, Optional.empty());
        }

        /** When the accepted change was made: as its device said, or else when its edge stamped it. */
        public Instant changeMadeAt() {
            return clientUpdatedAt.orElse(updatedAt);
        }

        /** The record as an event item. */
        public ObjectNode item(String id) {
            return Items.item(id, data, createdAt, updatedAt, version, deleted);
        }
    }

    /** The master row in the shape conflict policies understand (the "server" side of a conflict). */
    public StoredRecord asStoredRecord() {
        return new StoredRecord(id, state.data(), state.createdAt(), state.updatedAt(), state.version(),
                state.deleted(), masterSeq, owner, state.clientUpdatedAt());
    }

    /** The master row as an event item. */
    public ObjectNode item() {
        return state.item(id);
    }
}
