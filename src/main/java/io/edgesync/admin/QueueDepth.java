package io.edgesync.admin;

import java.util.Map;

/**
 * The size of a device's operation queue.
 *
 * @param parked operations waiting for an administrator (retry or discard)
 * @param total all operations the device sent and the gateway kept
 * @param byStatus operation counts by status ({@code applied}, {@code conflict}, {@code rejected}, {@code parked},
 *     {@code discarded}); statuses without operations are left out
 */
public record QueueDepth(long parked, long total, Map<String, Long> byStatus) {

    static final QueueDepth EMPTY = new QueueDepth(0, 0, Map.of());
}
