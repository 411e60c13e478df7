package io.edgesync.cache;

import java.util.Optional;

/** A condition on the current record that an operation requires (If-Match, a base version, ...). */
@FunctionalInterface
public interface Precondition {

    /** No condition: an unconditional write. */
    Precondition NONE = current -> true;

    boolean test(StoredRecord current);

    /**
     * The version the record must have, when that is the whole condition: a single write checks it in the statement
     * that writes, without reading the record first.
     */
    default Optional<String> requiredVersion() {
        return Optional.empty();
    }

    /** The record must have exactly this version. */
    static Precondition versionIs(String version) {
        return new Precondition() {
            @Override
            public boolean test(StoredRecord current) {
                return current.version().equals(version);
            }

            @Override
            public Optional<String> requiredVersion() {
                return Optional.of(version);
            }
        };
    }
}
