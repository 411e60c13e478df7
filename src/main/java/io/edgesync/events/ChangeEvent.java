package io.edgesync.events;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
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
 * @param origin the CloudEvents {@code source} of the CUD event that caused this publication (the edge where the change
 *     was made, {@code edgesync://edge/<edge id>}); empty in publications of older central services
 * @param previous what the record was before this change, as far as an edge's scope needs it; empty when the publisher
 *     did not say (older central services)
 */
public record ChangeEvent(String table, String id, ObjectNode item, String version, boolean deleted, long masterSeq,
        Optional<UUID> eventId, Instant time, Optional<String> owner, Optional<Instant> clientUpdatedAt,
        Optional<Instant> originTime, Optional<String> origin, Optional<Previous> previous) {

    /**
     * The record's user columns before a change, told as the difference from after it, so that the event stays small:
     * an edge that holds only the rows matching a filter can tell, without reading its cache, whether it held the
     * record before the change.
     *
     * @param existed whether central had the record before this change (false for its first change)
     * @param changedColumns when it existed: the previous value of every user column whose value this change altered
     *     (JSON null for a column the record did not have); the other columns were as in {@code item}
     */
    public record Previous(boolean existed, ObjectNode changedColumns) {

        public Previous {
            Objects.requireNonNull(changedColumns, "changedColumns");
        }

        /** The record's first change: there was nothing before it. */
        public static Previous none() {
            return new Previous(false, JsonNodeFactory.instance.objectNode());
        }

        /** The previous state of a record whose user columns were {@code before} and are now {@code after}. */
        public static Previous between(ObjectNode before, ObjectNode after) {
            ObjectNode changed = JsonNodeFactory.instance.objectNode();
            before.properties().forEach(field -> {
                if (!field.getValue().equals(after.get(field.getKey()))) {
                    changed.set(field.getKey(), field.getValue());
                }
            });
            after.fieldNames().forEachRemaining(name -> {
                if (!before.has(name)) {
                    changed.putNull(name);
                }
            });
            return new Previous(true, changed);
        }

        /**
         * The user columns before the change, given the user columns after it; empty when the record did not exist.
         */
        public Optional<ObjectNode> columnsBefore(ObjectNode after) {
            if (!existed) {
                return Optional.empty();
            }
            ObjectNode before = after.deepCopy();
            changedColumns.properties().forEach(field -> {
                if (field.getValue().isNull()) {
                    before.remove(field.getKey());
                } else {
                    before.set(field.getKey(), field.getValue());
                }
            });
            return Optional.of(before);
        }
    }

    /** A change whose origin edge and previous state are not known. */
    public ChangeEvent(String table, String id, ObjectNode item, String version, boolean deleted, long masterSeq,
            Optional<UUID> eventId, Instant time, Optional<String> owner, Optional<Instant> clientUpdatedAt,
            Optional<Instant> originTime) {
        this(table, id, item, version, deleted, masterSeq, eventId, time, owner, clientUpdatedAt, originTime,
                Optional.empty(), Optional.empty());
    }

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
        origin = Objects.requireNonNullElse(origin, Optional.empty());
        previous = Objects.requireNonNullElse(previous, Optional.empty());
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
