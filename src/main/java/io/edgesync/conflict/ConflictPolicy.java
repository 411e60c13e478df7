package io.edgesync.conflict;

/**
 * Decides a conflict between a device's change and the server's record. Built-in policies are {@code server-wins},
 * {@code client-wins}, {@code last-writer-wins} and {@code merge}; a custom one is a CDI bean implementing this
 * interface, annotated {@code @jakarta.inject.Named("name")} and configured as {@code custom:name}.
 */
public interface ConflictPolicy {

    ConflictDecision resolve(Conflict conflict);

    /** Whether the policy needs the record as it was at the device's base version (three-way merges). */
    default boolean needsBase() {
        return false;
    }
}
