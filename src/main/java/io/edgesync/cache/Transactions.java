package io.edgesync.cache;

import java.util.function.Function;
import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Transaction;

/**
 * Running a write transaction again when PostgreSQL chose it as the victim of a deadlock or a serialization failure.
 *
 * <p> No write holds a lock on its table (docs/adr/0003-stamps-below-a-visibility-horizon.md), and batches lock their
 * records up front in one order, but a write can still lock two rows in an order another transaction does not share (a
 * device's row, then its record; a record created while a batch runs): that rare cycle is broken by PostgreSQL, and the
 * transaction it rolled back, whichever it was, runs again here. Nothing of a rolled-back transaction was written.
 */
public final class Transactions {

    /** How often a transaction runs at most (the first run included). */
    public static final int MAX_ATTEMPTS = 4;

    private Transactions() {
    }

    /**
     * Runs {@code work} in a transaction on a connection of the pool, committed when it succeeds and rolled back when
     * it fails, like {@code Pool.withTransaction}, but without a round trip for the {@code BEGIN}: the work's first
     * statements follow it at once (the connection pipelines them), where {@code withTransaction} waits for its answer.
     * A statement that fails marks the transaction, which then rolls back.
     */
    public static <T> Uni<T> inTransaction(Pool pool, Function<SqlConnection, Uni<T>> work) {
        return pool.withConnection(connection -> {
            Future<Transaction> begun = connection.getDelegate().begin();
            return Uni.createFrom()
                    .deferred(() -> work.apply(connection))
                    .call(() -> ended(begun.compose(Transaction::commit)))
                    .onFailure()
                    .call(() -> ended(begun.compose(Transaction::rollback)).onFailure().recoverWithNull());
        });
    }

    private static Uni<Void> ended(Future<Void> end) {
        return Uni.createFrom().completionStage(end.toCompletionStage());
    }

    /**
     * Runs the transaction the supplier starts, and runs it again after a deadlock, a serialization failure or a
     * concurrent insert of a record it meant to insert.
     */
    public static <T> Uni<T> retryingDeadlocks(Supplier<Uni<? extends T>> transaction) {
        return Uni.createFrom()
                .<T>deferred(transaction)
                .onFailure(Transactions::isRetryable)
                .retry()
                .atMost(MAX_ATTEMPTS - 1);
    }

    /**
     * Deadlock detected (40P01) or serialization failure (40001): the transaction was rolled back as a whole; or a
     * record it meant to insert was inserted concurrently ({@link ConcurrentInsertException}).
     */
    public static boolean isRetryable(Throwable failure) {
        return failure instanceof ConcurrentInsertException || (failure instanceof PgException pg
                && ("40P01".equals(pg.getSqlState()) || "40001".equals(pg.getSqlState())));
    }
}
