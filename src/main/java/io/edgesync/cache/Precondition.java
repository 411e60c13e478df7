package io.edgesync.cache;

/** A condition on the current record that an operation requires (If-Match, a base version, ...). */
@FunctionalInterface
public interface Precondition {

    /** No condition: an unconditional write. */
    Precondition NONE = current -> true;

    boolean test(StoredRecord current);
}
