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
 * @param scope the rows this edge holds ({@code edge-scope}): {@code all}, {@code owners}, or a filter
 * @param fill how far this edge has filled a filter scope from central; null for the other scopes, or before the first
 *     fill
 */
public record AdminTable(String name, String displayName, long rows, long tombstones, Instant lastChange,
        String policy, boolean perUser, boolean anonymous, boolean declared, boolean softDelete, String scope,
        ScopeFill fill) {

    /**
     * A filter scope's fill from central.
     *
     * @param swept whether the rows held before that the scope does not hold were taken out
     * @param done whether central's rows of the scope were all applied
     * @param position the master position up to which they were applied
     * @param rowsApplied rows of central applied so far
     * @param startedAt when this scope's fill started
     * @param finishedAt when it finished; null while it runs
     */
    public record ScopeFill(boolean swept, boolean done, long position, long rowsApplied, Instant startedAt,
            Instant finishedAt) {
    }
}
