package io.edgesync.scope;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.smallrye.mutiny.Uni;

/** Central's master rows, a page at a time in master-position order, as an edge fills its scope from them. */
public interface MasterRowsSource {

    /**
     * A master row.
     *
     * @param data the user columns
     * @param position the row's master position (that of its last change)
     */
    record MasterRow(String id, ObjectNode data, String version, boolean deleted, Instant createdAt,
            Instant updatedAt, Optional<String> owner, long position) {
    }

    /**
     * One page.
     *
     * @param next the position to ask after for the next page; empty when this page was the last
     */
    record Page(List<MasterRow> rows, Optional<Long> next) {
    }

    /**
     * Which rows: those matching an OData filter, or those of one user.
     */
    record Query(Optional<String> filter, Optional<String> owner) {

        public static Query matching(String filter) {
            return new Query(Optional.of(filter), Optional.empty());
        }

        public static Query everything() {
            return new Query(Optional.empty(), Optional.empty());
        }

        public static Query ownedBy(String owner) {
            return new Query(Optional.empty(), Optional.of(owner));
        }
    }

    /** Up to {@code limit} rows of {@code table} of {@code query}, after master position {@code after}. */
    Uni<Page> page(String table, long after, int limit, Query query);
}
