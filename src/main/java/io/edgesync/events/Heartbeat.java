package io.edgesync.events;

import java.time.Instant;
import java.util.Optional;

/**
 * A heartbeat of a central service instance on the heartbeats topic: it is alive and reaches Kafka, and whether it can
 * apply the CUD events it reads (not while its database is away, for instance).
 *
 * @param central the instance (its host name)
 * @param time when it was sent
 * @param applying whether the instance applies events
 * @param reason why it does not, when it does not
 * @param cudLag CUD events the instance has not read yet
 */
public record Heartbeat(String central, Instant time, boolean applying, Optional<String> reason, long cudLag) {
}
