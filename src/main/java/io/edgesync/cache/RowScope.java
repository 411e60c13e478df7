package io.edgesync.cache;

import java.util.Optional;

import io.edgesync.odata.SqlParams;

/**
 * Whose rows a caller sees and may change on a table. On a table whose rows everyone shares, every row; on a table with
 * per-user rows, a signed-in user's own rows, and for a caller without a token only the rows that belong to nobody
 * (those callers without a token inserted). Rows of one user are never in another caller's scope.
 */
public sealed interface RowScope {

    /** Every row: a table whose rows all its callers share. */
    RowScope EVERYONE = new Everyone();

    /** The rows that belong to nobody: a caller without a token on a table with per-user rows. */
    RowScope NOBODY = new Nobody();

    /** A signed-in user's own rows. */
    static RowScope owner(String user) {
        return new Owner(user);
    }

    /** Whether a row that belongs to {@code rowOwner} (or to nobody) is in this scope. */
    boolean includes(Optional<String> rowOwner);

    /** The owner of the rows this caller inserts. */
    Optional<String> ownerOfNewRows();

    /**
     * The SQL condition that keeps a query in this scope, on the owner column {@code column}, with its bind value in
     * {@code params}.
     */
    String condition(String column, SqlParams params);

    /** Every row. */
    record Everyone() implements RowScope {
        @Override
        public boolean includes(Optional<String> rowOwner) {
            return true;
        }

        @Override
        public Optional<String> ownerOfNewRows() {
            return Optional.empty();
        }

        @Override
        public String condition(String column, SqlParams params) {
            return "TRUE";
        }
    }

    /** The rows of one user. */
    record Owner(String user) implements RowScope {
        @Override
        public boolean includes(Optional<String> rowOwner) {
            return rowOwner.isPresent() && rowOwner.get().equals(user);
        }

        @Override
        public Optional<String> ownerOfNewRows() {
            return Optional.of(user);
        }

        @Override
        public String condition(String column, SqlParams params) {
            return column + " = " + params.add(user);
        }
    }

    /** The rows that belong to nobody. */
    record Nobody() implements RowScope {
        @Override
        public boolean includes(Optional<String> rowOwner) {
            return rowOwner.isEmpty();
        }

        @Override
        public Optional<String> ownerOfNewRows() {
            return Optional.empty();
        }

        @Override
        public String condition(String column, SqlParams params) {
            return column + " IS NULL";
        }
    }
}
