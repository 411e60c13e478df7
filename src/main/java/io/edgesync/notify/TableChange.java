package io.edgesync.notify;

import java.time.Instant;
import java.util.Optional;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A sync table changed: the announcement devices receive, not the change itself (they pull that).
 *
 * @param table the table's lookup key (its name in lower case)
 * @param at when the gateway announced the change
 * @param owner on a per-user table, the user whose row changed: only that user's streams hear of it; empty for rows
 *     everyone shares (and for the catch-up announcement after a lost connection)
 */
@Schema(name = "TableChange", description = "Data of the change event: a followed table changed; pull it to get the"
        + " changes")
public record TableChange(@Schema(description = "The table, in lower case", required = true) String table,
        // A string in place: with a description, a reference to the instant schema would also carry the scanner's
        // default example for instants.
        @Schema(description = "When the gateway announced the change", required = true, implementation = String.class, format = "date-time") Instant at,
        @Schema(description = "On a table with rows per user, the user whose row changed (always the stream's own"
                + " user); null for rows everyone shares, and for the announcement that catches up after a lost connection", required = true) Optional<String> owner) {

    /** A change of rows everyone shares. */
    public TableChange(String table, Instant at) {
        this(table, at, Optional.empty());
    }

    /** Whether the stream of {@code caller} (a token subject, or nobody) may hear of this change. */
    public boolean visibleTo(Optional<String> caller) {
        return owner.isEmpty() || owner.equals(caller);
    }
}
