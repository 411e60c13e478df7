package io.edgesync.cache;

import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.pgclient.PgException;

/**
 * The gateway's transactions: run with as few round trips as the protocol allows ({@link #inTransaction}), and run
 * again when PostgreSQL chose one as the victim of a deadlock or a serialization failure ({@link #retryingDeadlocks}).
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
     * The end of a transaction of {@link #inTransaction(Pool, BiFunction)}, which the work may send together with its
     * last statement.
     */
    public interface Commit {

        /**
         * Sends {@code COMMIT} right behind the statement {@code last} sends, without waiting for its answer, and
         * answers with {@code last}'s item, or fails when either fails. When the statement fails, PostgreSQL turns the
         * {@code COMMIT} into a rollback; so {@code last} must leave every check that decides whether the transaction
         * may commit to the statement itself (a check in Java after its answer would come too late), and nothing may be
         * sent after it.
         */
        <R> Uni<R> with(Uni<R> last);

        /** For a transaction its caller ends: the statement is sent alone. */
        Commit BY_CALLER = new Commit() {
            @Override
            public <R> Uni<R> with(Uni<R> last) {
                return last;
            }
        };
    }

    /**
     * Runs {@code work} in a transaction on a connection of the pool, committed when it succeeds and rolled back when
     * it fails, like {@code Pool.withTransaction}, but without a round trip for the {@code BEGIN}: the work's first
     * statements follow it at once (the connection pipelines them), where {@code withTransaction} waits for its answer.
     */
    public static <T> Uni<T> inTransaction(Pool pool, Function<SqlConnection, Uni<T>> work) {
        return inTransaction(pool, (connection, commit) -> work.apply(connection));
    }

    /**
     * Like {@link #inTransaction(Pool, Function)}, and the work may send the {@code COMMIT} together with its last
     * statement ({@link Commit#with}), saving the round trip of the {@code COMMIT} too; when it does not, the
     * {@code COMMIT} follows the work's success.
     */
    public static <T> Uni<T> inTransaction(Pool pool, BiFunction<SqlConnection, Commit, Uni<T>> work) {
        return pool.withConnection(connection -> {
            Ending ending = new Ending(connection);
            // (sent at once, not on subscription: the work's first statement is sent right behind it)
            Future<?> begun = connection.getDelegate().query("BEGIN").execute();
            return Uni.createFrom()
                    .deferred(() -> work.apply(connection, ending))
                    .call(() -> Uni.createFrom().completionStage(begun.toCompletionStage()))
                    .call(() -> ending.sent
                            ? Uni.createFrom().voidItem()
                            : connection.query("COMMIT").execute().replaceWithVoid())
                    .onFailure()
                    .call(() -> ending.sent
                            ? Uni.createFrom().voidItem()
                            : connection.query("ROLLBACK").execute().replaceWithVoid().onFailure().recoverWithNull());
        });
    }

    /** The COMMIT of a transaction, and whether the work has sent it. */
    private static final class Ending implements Commit {

        private final SqlConnection connection;
        private volatile boolean sent;

        Ending(SqlConnection connection) {
            this.connection = connection;
        }

        @Override
        public <R> Uni<R> with(Uni<R> last) {
            // (the statement is sent on subscription, then the COMMIT; both answers are awaited before either is judged)
            Uni<Settled<R>> statement = last.onItemOrFailure().transform(Settled::new);
            Uni<Settled<Object>> commit = Uni.createFrom().deferred(() -> {
                sent = true;
                return connection.query("COMMIT").execute();
            }).onItemOrFailure().transform((rows, failure) -> new Settled<>(rows, failure));
            return Uni.combine().all().unis(statement, commit).asTuple().chain(both -> {
                if (both.getItem1().failure() != null) {
                    return Uni.createFrom().failure(both.getItem1().failure());
                }
                if (both.getItem2().failure() != null) {
                    return Uni.createFrom().failure(both.getItem2().failure());
                }
                return Uni.createFrom().item(both.getItem1().item());
            });
        }
    }

    /** An answer or a failure. */
    private record Settled<R>(R item, Throwable failure) {
    }

    /**
     * Whether a statement failed its own check: {@code es_require} (migration V104) found the rows not as the statement
     * expected, and the statement changed nothing.
     */
    public static boolean failedItsCheck(Throwable failure) {
        return failure instanceof PgException pg && "EF001".equals(pg.getSqlState());
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
