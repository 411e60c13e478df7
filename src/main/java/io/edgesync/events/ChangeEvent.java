package io.edgesync.events;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One accepted row state on the compacted {@code edgesync.changes} topic, published by the central service (schema:
 * {@code docs/events/change-event.schema.json}). Kafka key {@code table/id}; a purged row is a Kafka tombstone (null
 * value) instead.
 *
 * @param table the sync table
 * @param id the record id
 * @param item the record: user columns plus {@code id}, {@code createdAt}, {@code updatedAt}, {@code version} and
 *     {@code deleted}
 * @param version the master version (equals {@code item.version})
 * @param deleted whether the record is deleted (equals {@code item.deleted})
 * @param masterSeq the change's position in the central service's order of the record's table: a consumer applies a
 *     change only when it is above the last one it applied for the record
 * @param eventId the CUD event that caused this publication, if one did
 * @param time when the central service published it
 * @param owner the user the record belongs to, on per-user tables
 * @param clientUpdatedAt when the device made the accepted change, if it said so: what last-writer-wins compares a
 *     later change with, on every edge; when empty, the change counts as made at its {@code item.updatedAt}
 * @param originTime when the edge where the change was made wrote it (the CUD event's time, by that edge's clock):
 *     where its propagation to every edge starts
 */
public record ChangeEvent(String table, String id, ObjectNode item, String version, boolean deleted, long masterSeq,
        Optional<UUID> eventId, Instant time, Optional<String> owner, Optional<Instant> clientUpdatedAt,
        Optional<Instant> originTime) {

    /** A change whose origin time is not known. */
    public ChangeEvent(String table, String id, ObjectNode item, String version, boolean deleted, long masterSeq,
            Optional<UUID> eventId, Instant time, Optional<String> owner, Optional<Instant> clientUpdatedAt) {
        this(table, id, item, version, deleted, masterSeq, eventId, time, owner, clientUpdatedAt, Optional.empty());
    }

    /** A change of a record that belongs to nobody in particular. */
    public ChangeEvent(String table, String id, ObjectNode item, String version, boolean deleted, long masterSeq,
            Optional<UUID> eventId, Instant time) {
        this(table, id, item, version, deleted, masterSeq, eventId, time, Optional.empty(), Optional.empty());
    }

    public ChangeEvent {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(item, "item");
        Objects.requireNonNull(version, "version");
        eventId = Objects.requireNonNullElse(eventId, Optional.empty());
        Objects.requireNonNull(time, "time");
        owner = Objects.requireNonNullElse(owner, Optional.empty());
        clientUpdatedAt = Objects.requireNonNullElse(clientUpdatedAt, Optional.empty());
        originTime = Objects.requireNonNullElse(originTime, Optional.empty());
    }

    /** The Kafka key: {@code table/id}. */
    public String key() {
        return CudEvent.key(table, id);
    }

    /** When the record was created, where it was created: it travels unchanged to every edge. */
    public Optional<Instant> createdAt() {
        return Items.instant(item, Items.CREATED_AT);
    }

    /** When the accepted change was made: as its device said, or else when its edge stamped it. */
    public Optional<Instant> changeMadeAt() {
        return clientUpdatedAt.or(() -> Items.instant(item, Items.UPDATED_AT));
    }

    /** The record's user columns. */
    public ObjectNode userColumns() {
        return Items.userColumns(item);
    }
}
