package io.edgesync.notify;

import java.time.Instant;
import java.util.Optional;

/**
 * A sync table changed: the announcement devices receive, not the change itself (they pull that).
 *
 * @param table the table's lookup key (its name in lower case)
 * @param at when the gateway announced the change
 * @param owner on a per-user table, the user whose row changed: only that user's streams hear of it; empty for rows
 *     everyone shares (and for the catch-up announcement after a lost connection)
 */
public record TableChange(String table, Instant at, Optional<String> owner) {

    /** A change of rows everyone shares. */
    public TableChange(String table, Instant at) {
        this(table, at, Optional.empty());
    }

    /** Whether the stream of {@code caller} (a token subject, or nobody) may hear of this change. */
    public boolean visibleTo(Optional<String> caller) {
        return owner.isEmpty() || owner.equals(caller);
    }
}
