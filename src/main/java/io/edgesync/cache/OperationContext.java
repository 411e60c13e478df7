package io.edgesync.cache;

import java.time.Instant;
import java.util.Optional;

/**
 * Who sent an operation and on what it was based.
 *
 * @param deviceId the device, when known ({@code X-ZUMO-INSTALLATION-ID} or the native API's device id)
 * @param operationId the device's id of the operation (generated for ZUMO requests)
 * @param baseVersion the version the device changed (If-Match, body version, native base version)
 * @param clientUpdatedAt when the device made the change, if it said so (native API)
 * @param deletedIsConflict whether an update of a record the server deleted is a conflict for the table's policy
 *     (native API) rather than simply "not found" (ZUMO)
 * @param scope whose rows the caller sees and may change; it owns what it inserts
 */
public record OperationContext(Optional<String> deviceId, Optional<String> operationId, Optional<String> baseVersion,
        Optional<Instant> clientUpdatedAt, boolean deletedIsConflict, RowScope scope) {

    /** An operation with no device and no user behind it. */
    public static final OperationContext ANONYMOUS = new OperationContext(Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), false, RowScope.EVERYONE);
}
