package io.edgesync.cache;

import java.util.Optional;

import io.edgesync.common.DomainException;

/** What became of an operation; each protocol maps it to its own status codes and bodies. */
public sealed interface WriteOutcome {

    /**
     * The operation was applied (or was a no-op on a record already in the requested state).
     *
     * @param created whether a new record came to life (insert, or re-insert over a hard-delete tombstone)
     * @param conflictDecision when it was applied despite a conflict: the policy's decision ({@code client-wins},
     *     {@code merged})
     */
    record Applied(StoredRecord record, boolean created, Optional<String> conflictDecision) implements WriteOutcome {
        public Applied(StoredRecord record, boolean created) {
            this(record, created, Optional.empty());
        }
    }

    /** Insert of an id that exists; carries the current record. */
    record AlreadyExists(StoredRecord current) implements WriteOutcome {
    }

    /** Insert of an id another user's row has: nothing about that row is shown. */
    record IdTaken() implements WriteOutcome {
    }

    /** The record does not exist (or, on a table without soft delete, exists only as a tombstone). */
    record NotFound() implements WriteOutcome {
    }

    /** The record is soft-deleted and the operation needs a live one. */
    record Deleted(StoredRecord current) implements WriteOutcome {
    }

    /** The record's version or time did not satisfy the operation's precondition. */
    record PreconditionFailed(StoredRecord current) implements WriteOutcome {
    }

    /**
     * The operation never reached the cache: an invalid item or id, a table the gateway does not serve, a caller who
     * may not write it, an operation waiting behind a parked one.
     *
     * @param kind what kind of failure it is (the table protocol answers with its status)
     * @param message what is wrong, safe to show
     */
    record Rejected(DomainException.Kind kind, String message) implements WriteOutcome {
    }

    /** The device sent this operation before: its first answer stands, nothing is applied again. */
    record Replayed() implements WriteOutcome {
    }
}
