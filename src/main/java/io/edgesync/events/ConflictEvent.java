package io.edgesync.events;

import java.time.Instant;
import java.util.Objects;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A cross-edge conflict on the {@code edgesync.conflicts} topic: a CUD event that did not apply cleanly to the master
 * row, both sides, and what the table's policy made of it (schema: {@code docs/events/conflict-event.schema.json}).
 * Kafka key {@code table/id}.
 *
 * @param table the sync table
 * @param id the record id
 * @param detectedAt when the central service decided it
 * @param kind {@code stale-version}, {@code already-exists}, {@code deleted-on-server} or {@code other-owner}
 * @param policy the table's conflict policy, as configured
 * @param decision {@code server-wins} (the master row stays), {@code client-wins} (the event's change is applied) or
 *     {@code merged}
 * @param loser whose write lost: {@code event}, {@code master} or {@code none} (a merge keeps both)
 * @param event the incoming CUD event, whole
 * @param master the master row before the decision (an item)
 * @param result the master row after the decision (an item), as published on the change stream
 * @param masterSeq the position of that publication
 */
public record ConflictEvent(String table, String id, Instant detectedAt, String kind, String policy, String decision,
        String loser, CudEvent event, ObjectNode master, ObjectNode result, long masterSeq) {

    public ConflictEvent {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(master, "master");
        Objects.requireNonNull(result, "result");
    }

    /** The Kafka key: {@code table/id}. */
    public String key() {
        return CudEvent.key(table, id);
    }
}
