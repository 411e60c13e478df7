package io.edgesync.admin;

import java.time.Instant;

/**
 * How far a device has pulled one table for one query: its replica record.
 *
 * @param table the table
 * @param queryId the pull's filter without its watermark (ZUMO) or the native pull's query
 * @param watermark the {@code updatedAt} watermark a ZUMO device has pulled to
 * @param changeSeq the change position a native device has pulled to
 * @param pulledRows rows pulled in total
 * @param firstPull the first pull
 * @param lastPull the latest pull
 */
public record AdminReplica(String table, String queryId, Instant watermark, Long changeSeq, long pulledRows,
        Instant firstPull, Instant lastPull) {
}
