package io.edgesync.cache;

import java.time.Instant;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One row of the edge cache.
 *
 * @param id record id
 * @param data user columns (canonical names)
 * @param createdAt set on insert
 * @param updatedAt strictly increasing per table, millisecond precision
 * @param version opaque concurrency token
 * @param deleted tombstone flag
 * @param changeSeq position in the table's change order
 * @param owner the user the row belongs to, on per-user tables
 * @param clientUpdatedAt when the device made the current change, if it said so (native pushes)
 * @param columnsPurged whether this is an id-only tombstone: its columns were purged, it can no longer be undeleted
 */
public record StoredRecord(String id, ObjectNode data, Instant createdAt, Instant updatedAt, String version,
        boolean deleted, long changeSeq, Optional<String> owner, Optional<Instant> clientUpdatedAt,
        boolean columnsPurged) {

    /** A row with its columns. */
    public StoredRecord(String id, ObjectNode data, Instant createdAt, Instant updatedAt, String version,
            boolean deleted, long changeSeq, Optional<String> owner, Optional<Instant> clientUpdatedAt) {
        this(id, data, createdAt, updatedAt, version, deleted, changeSeq, owner, clientUpdatedAt, false);
    }

    /** A row whose current change did not say when it was made. */
    public StoredRecord(String id, ObjectNode data, Instant createdAt, Instant updatedAt, String version,
            boolean deleted, long changeSeq, Optional<String> owner) {
        this(id, data, createdAt, updatedAt, version, deleted, changeSeq, owner, Optional.empty());
    }

    /**
     * When the current change was made: as the device said, or else when it was stored. Last-writer-wins compares a
     * device's change with this.
     */
    public Instant changeMadeAt() {
        return clientUpdatedAt.orElse(updatedAt);
    }

    /** A row that belongs to nobody in particular. */
    public StoredRecord(String id, ObjectNode data, Instant createdAt, Instant updatedAt, String version,
            boolean deleted, long changeSeq) {
        this(id, data, createdAt, updatedAt, version, deleted, changeSeq, Optional.empty());
    }
}
