package io.edgesync.protocol.nativeapi;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.edgesync.protocol.zumo.TableRecord;

/**
 * Documentation only: the answer to one operation of a native push as {@link NativeAnswers} writes it, for the OpenAPI
 * document.
 *
 * @param operationId the device's operation id
 * @param seq the operation's position in the device's queue
 * @param status applied, conflict or parked
 * @param record the record after the operation, when applied
 * @param conflict the conflict policy's decision, when applied despite a conflict
 * @param alreadyDeleted whether a delete found the record deleted already
 * @param decision {@code server-wins}, with the server's record
 * @param serverRecord the server's record, on a conflict the server won
 * @param error why the operation was parked
 */
@Schema(name = "PushOperationResult", description = "The answer to one operation: applied (with the record),"
        + " conflict (the server won: its record), parked (with the reason; an administrator retries or discards it), or,"
        + " replayed after an administrator gave up on it, discarded")
public record PushOperationResult(
        @Schema(description = "The operation's id, as the device sent it", required = true) String operationId,
        @Schema(description = "The operation's position in the device's queue", required = true) long seq,
        @Schema(description = "applied: the change is stored; conflict: the server's version won; parked: not applied,"
                + " waiting for an administrator; discarded: not applied, an administrator gave up on it (answered to"
                + " the operation re-sent)", enumeration = {
                        "applied", "conflict", "parked", "discarded"}, required = true) String status,
        @Schema(description = "The record after the operation (applied)") TableRecord record,
        @Schema(description = "Applied despite a conflict: the table's conflict policy decided so", enumeration = {
                "client-wins", "merged"}) String conflict,
        @Schema(description = "A delete of a record that was deleted already (applied)") Boolean alreadyDeleted,
        @Schema(description = "A conflict the server won (conflict, and parked on tables that stop on conflicts)", enumeration = "server-wins") String decision,
        @Schema(description = "The server's record, which won the conflict") TableRecord serverRecord,
        @Schema(description = "Why the operation was parked") String error){
}
