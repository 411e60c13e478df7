package io.edgesync.protocol.nativeapi;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.edgesync.protocol.zumo.TableRecord;

/**
 * Documentation only: a native pull's answer as {@link PullService} writes it, for the OpenAPI document (the answer is
 * built as a JSON tree around the records, whose members are the table's columns).
 *
 * @param table the table
 * @param changes the changes after the token
 * @param token the position after the last change
 * @param hasMore whether more changes follow
 */
@Schema(name = "PullPage", description = "The changes of a table after a token, in change order")
public record PullPage(
        @Schema(description = "The table, as it was declared or first written", required = true) String table,
        @Schema(description = "Records that changed after the token, tombstones (deleted: true) included; an initial"
                + " sync (no token) has live records only, and the tombstones of deletes made while it runs", required = true) List<TableRecord> changes,
        @Schema(description = "Opaque position after the last change: pass it as token to the next pull", required = true) String token,
        @Schema(description = "Whether more changes follow: pull again with the token at once", required = true) boolean hasMore) {
}
