package io.edgesync.protocol.zumo;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Documentation only: a record as {@link ItemWriter} writes it, for the OpenAPI document. Records are JSON trees whose
 * members are the table's own columns, so no Java type of the gateway has their shape; this one names the five system
 * properties every record carries and lets the columns be any further members.
 *
 * @param id the key
 * @param createdAt when the record was created
 * @param updatedAt when the record last changed
 * @param version the opaque version, new on every write
 * @param deleted the tombstone flag
 */
@Schema(name = TableRecord.NAME, description = "A record: its columns (any further members: strings, numbers, booleans or"
        + " null; every column of the table is present, null included) and five system properties. With $select only"
        + " the selected members are present. In a request body createdAt, updatedAt and deleted are ignored, and a"
        + " table-protocol update reads version as the version the change is based on (without If-Match).", additionalProperties = Schema.True.class)
public record TableRecord(
        @Schema(description = "The key: 1 to 255 characters, chosen by the client or, on an insert without one, 32"
                + " hexadecimal characters chosen by the server", maxLength = 255) String id,
        @Schema(description = "When the record was created: UTC with three fraction digits", format = "date-time", examples = "2024-05-01T10:00:00.000Z", readOnly = true) String createdAt,
        @Schema(description = "When the record last changed (insert, update, delete, undelete): UTC with three fraction"
                + " digits", format = "date-time", examples = "2024-05-01T10:00:00.000Z", readOnly = true) String updatedAt,
        @Schema(description = "Opaque version, new on every write; the ETag is this value in double quotes") String version,
        @Schema(description = "Whether the record is a tombstone (a soft delete)", readOnly = true) boolean deleted) {

    /** The schema's name, for fields whose Java type is a JSON tree. */
    public static final String NAME = "TableRecord";
}
