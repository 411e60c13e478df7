package io.edgesync.admin;

import java.time.Instant;
import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * What the operator console's overview shows: the process, its readiness, and its activity over the last minutes.
 *
 * @param role the process's role ({@code all}, {@code edge})
 * @param edgeId this edge's id (the source of its CUD events)
 * @param anonymous whether the gateway serves callers without a token, the admin API included
 * @param startedAt when the process started
 * @param uptimeSeconds seconds since then
 * @param checks every readiness check with its status
 * @param intervalSeconds the time between two samples
 * @param totals counts since the process started
 * @param queues the device queues now
 * @param samples the activity, one sample per interval, oldest first, up to the last ten minutes
 */
@Schema(description = "The process, its readiness and its activity over the last minutes")
public record AdminOverview(String role, String edgeId, boolean anonymous, Instant startedAt, long uptimeSeconds,
        List<Check> checks, int intervalSeconds, Totals totals, Queues queues, List<Sample> samples) {

    /**
     * One readiness check.
     *
     * @param name its name ({@code database}, {@code kafka}, ...)
     * @param status {@code UP} or {@code DOWN}
     */
    public record Check(String name, String status) {
    }

    /**
     * Counts since the process started.
     *
     * @param writes write operations of devices
     * @param pulls pull pages answered
     * @param conflicts conflicts decided
     */
    public record Totals(long writes, long pulls, long conflicts) {
    }

    /**
     * The device queues, as last counted (every few seconds).
     *
     * @param parkedOperations operations parked across devices, waiting for an administrator
     * @param activeDevices devices seen in the last day
     */
    public record Queues(long parkedOperations, long activeDevices) {
    }

    /**
     * The activity of one interval.
     *
     * @param at the end of the interval
     * @param writesPerSecond write operations of devices per second
     * @param pullsPerSecond pull pages answered per second
     * @param conflictsPerMinute conflicts decided per minute
     * @param outboxDepth outbox rows not yet acknowledged by Kafka, at the end of the interval
     * @param outboxOldestAgeSeconds age of the oldest of them
     * @param consumerLag records of the consumed topics not read yet, as the consumers last learnt
     * @param propagationMillis mean time from a change's write at its edge to its application here, of the changes
     *     applied from the change stream in the interval; null when none were
     */
    public record Sample(Instant at, double writesPerSecond, double pullsPerSecond, double conflictsPerMinute,
            long outboxDepth, double outboxOldestAgeSeconds, long consumerLag, Double propagationMillis) {
    }
}
