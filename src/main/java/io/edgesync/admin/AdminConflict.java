package io.edgesync.admin;

import java.time.Instant;
import java.util.Map;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One entry of the conflict log, with both sides and the decision.
 *
 * @param id the entry's id (the paging cursor)
 * @param detectedAt when the conflict was decided
 * @param source {@code edge} (a device against this gateway's cache) or {@code central} (an edge against the master)
 * @param table the table
 * @param recordId the record
 * @param deviceId the device whose operation conflicted, when known
 * @param operationId the conflicting operation, when known
 * @param policy the table's conflict policy
 * @param decision {@code server-wins}, {@code client-wins} or {@code merged}
 * @param baseVersion the version the losing side's change was based on
 * @param clientItem what the device (or edge) sent
 * @param serverItem the server's row at that moment
 * @param resultItem the row the decision produced
 */
public record AdminConflict(long id, Instant detectedAt, String source, String table, String recordId,
        String deviceId, String operationId, String policy, String decision, String baseVersion,
        @Schema(description = "What the device (or edge) sent: the record's columns", implementation = Map.class) JsonNode clientItem,
        @Schema(description = "The server's record at that moment: its columns", implementation = Map.class) JsonNode serverItem,
        @Schema(description = "The record the decision produced: its columns", implementation = Map.class) JsonNode resultItem) {
}
