package io.edgesync.admin;

import java.time.Instant;
import java.util.List;

/**
 * A device as the admin API shows it.
 *
 * @param id the installation id (ZUMO) or native device id
 * @param protocol {@code zumo-v2}, {@code zumo-v3} or {@code native}, as it last spoke
 * @param clientVersion the client version it last announced
 * @param userId the user it is bound to, once authentication exists
 * @param firstSeen when the gateway first saw it
 * @param lastSeen when the gateway last saw it (kept current to about 30 seconds)
 * @param queue the size of its operation queue
 * @param replicas how far it has pulled, per table and query
 */
public record AdminDevice(String id, String protocol, String clientVersion, String userId, Instant firstSeen,
        Instant lastSeen, QueueDepth queue, List<AdminReplica> replicas) {
}
