package io.edgesync.cache;

import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;
import io.vertx.pgclient.PgException;

/**
 * Running a write transaction again when PostgreSQL chose it as the victim of a deadlock or a serialization failure.
 *
 * <p> Writers lock records before their table's clock row (docs/adr/0001-change-stamping.md), so single-record writes
 * cannot deadlock each other. A batch locks its records up front, but a record another transaction creates while the
 * batch runs can only be locked after the batch stamped its table: that rare cycle is broken by PostgreSQL, and the
 * transaction it rolled back, whichever it was, runs again here. Nothing of a rolled-back transaction was written.
 */
public final class Transactions {

    /** How often a transaction runs at most (the first run included). */
    public static final int MAX_ATTEMPTS = 4;

    private Transactions() {
    }

    /** Runs the transaction the supplier starts, and runs it again after a deadlock or serialization failure. */
    public static <T> Uni<T> retryingDeadlocks(Supplier<Uni<? extends T>> transaction) {
        return Uni.createFrom()
                .<T>deferred(transaction)
                .onFailure(Transactions::isRetryable)
                .retry()
                .atMost(MAX_ATTEMPTS - 1);
    }

    /** Deadlock detected (40P01) or serialization failure (40001): the transaction was rolled back as a whole. */
    public static boolean isRetryable(Throwable failure) {
        return failure instanceof PgException pg
                && ("40P01".equals(pg.getSqlState()) || "40001".equals(pg.getSqlState()));
    }
}
