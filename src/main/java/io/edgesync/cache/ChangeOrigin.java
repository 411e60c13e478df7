package io.edgesync.cache;

import java.util.List;
import java.util.Optional;

/**
 * Where a change comes from, for its CUD event. Changes devices make are published (an outbox row in the change's
 * transaction); changes that arrive from the central service are not published again.
 *
 * @param publish whether to write the CUD event
 * @param operation {@code insert}, {@code update}, {@code delete} or {@code undelete}
 * @param baseVersion the version the device based its change on, if known
 * @param deviceId the device that made the change, if known
 * @param operationId the device's operation id, if known
 */
public record ChangeOrigin(boolean publish, String operation, Optional<String> baseVersion, Optional<String> deviceId,
        Optional<String> operationId) {

    /** A change a device made. */
    public static ChangeOrigin device(String operation, Optional<String> baseVersion, Optional<String> deviceId,
            Optional<String> operationId) {
        return new ChangeOrigin(true, operation, baseVersion, deviceId, operationId);
    }

    /** A change that the central service already knows (applied from its change stream). */
    public static ChangeOrigin replicated(String operation) {
        return new ChangeOrigin(false, operation, Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** Appends the statement parameters: publish, operation, base version, device, operation id. */
    void addTo(List<Object> params) {
        params.add(publish);
        params.add(operation);
        params.add(baseVersion.orElse(null));
        params.add(deviceId.orElse(null));
        params.add(operationId.orElse(null));
    }
}
