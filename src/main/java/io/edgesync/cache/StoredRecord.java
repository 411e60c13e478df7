package io.edgesync.cache;

import java.time.Instant;

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
 */
public record StoredRecord(String id, ObjectNode data, Instant createdAt, Instant updatedAt, String version,
        boolean deleted, long changeSeq) {
}
