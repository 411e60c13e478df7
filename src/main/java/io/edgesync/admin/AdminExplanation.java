package io.edgesync.admin;

import java.time.Instant;
import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Whether a device holds a record's current version, and why not.
 *
 * @param table the table
 * @param recordId the record
 * @param deviceId the device
 * @param current whether the device has pulled the record's current version (or, for a deleted record, its delete)
 * @param reason why: one of {@link Reason}'s codes
 * @param message the reason in a sentence, with the times and versions it rests on
 * @param record the record as this gateway's cache holds it; null when it holds none
 * @param device the device
 * @param replicas how far the device has pulled this table, per query
 * @param parkedOperations the device's parked operations on this record
 */
@Schema(description = "Whether a device holds a record's current version, and why not")
public record AdminExplanation(String table, String recordId, String deviceId, boolean current,
        @Schema(enumeration = {
                "current", "not-pulled", "never-pulled", "filtered-by-owner", "tombstone-purged",
                "not-arrived", "parked", "unknown-record"}) String reason,
        String message, RecordState record, DeviceState device, List<AdminReplica> replicas,
        List<AdminOperation> parkedOperations){

    /** The reasons, by code. */
    public enum Reason {
        /** The device has pulled past the record's current version. */
        CURRENT("current"),
        /** The device pulled the table, but not past the record's last change. */
        NOT_PULLED("not-pulled"),
        /** The device never pulled the table. */
        NEVER_PULLED("never-pulled"),
        /** Rows of the table are per user, and the record belongs to another user than the device's. */
        FILTERED_BY_OWNER("filtered-by-owner"),
        /** The record was deleted and its tombstone purged: a device that had not pulled the delete keeps the row. */
        TOMBSTONE_PURGED("tombstone-purged"),
        /** The master has a newer change of the record that this edge has not applied from the change stream yet. */
        NOT_ARRIVED("not-arrived"),
        /** The device's own operation on the record is parked, waiting for an administrator. */
        PARKED("parked"),
        /** Nothing the gateway keeps names the record. */
        UNKNOWN_RECORD("unknown-record");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /**
     * A record as the cache holds it.
     *
     * @param version its version
     * @param updatedAt its last change
     * @param deleted whether it is a tombstone
     * @param ownerId the user who owns it (per-user tables)
     * @param columnsPurged whether only its id is left of a tombstone
     */
    public record RecordState(String version, Instant updatedAt, boolean deleted, String ownerId,
            boolean columnsPurged) {
    }

    /**
     * The device asked about.
     *
     * @param id its id
     * @param userId the user it is bound to
     * @param lastSeen when the gateway last saw it
     */
    public record DeviceState(String id, String userId, Instant lastSeen) {
    }
}
