package io.edgesync.odata;

import java.util.Optional;

/** Resolves member names of a query against one table's columns, case-insensitively. */
@FunctionalInterface
public interface ColumnResolver {

    /** The column named {@code member} (any case), or empty when the table has no such column. */
    Optional<ResolvedColumn> resolve(String member);
}
