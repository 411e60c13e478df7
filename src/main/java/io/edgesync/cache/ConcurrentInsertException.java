package io.edgesync.cache;

/**
 * A record a transaction meant to insert was inserted by another transaction after this one locked what existed: the
 * transaction rolls back and runs again, and then sees the record ({@link Transactions#retryingDeadlocks}).
 */
public final class ConcurrentInsertException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ConcurrentInsertException(String message) {
        super(message, null, false, false);
    }
}
