package io.edgesync.admin;

import java.time.Instant;

/**
 * A sync table as the console shows it.
 *
 * @param name its key (lower case)
 * @param displayName its name as declared or first written
 * @param rows live rows in this gateway's cache
 * @param tombstones deleted rows still kept (so that devices learn of the delete)
 * @param lastChange its newest change; null when it has none
 * @param policy its conflict policy
 * @param perUser whether rows belong to the user who inserted them; else shared by all authorised callers
 * @param anonymous whether callers without a token may use it
 * @param declared whether it is declared in configuration (else created by a first write)
 * @param softDelete whether clients see deleted rows and can undelete them
 */
public record AdminTable(String name, String displayName, long rows, long tombstones, Instant lastChange,
        String policy, boolean perUser, boolean anonymous, boolean declared, boolean softDelete) {
}
