package io.edgesync.scope;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Where this edge stands with the scope of each table that holds a filter of rows ({@code edge_scope}): the scope it
 * was filled for, whether the rows outside it were swept out, and how far the backfill from central has come.
 */
@ApplicationScoped
public class ScopeStore {

    /**
     * A table's scope state.
     *
     * @param scope the scope text it was (or is being) filled for
     * @param swept whether the rows held before that no longer match were taken out
     * @param backfillAfter the master position up to which central's matching rows were applied
     * @param backfillDone whether the backfill reached central's last row
     * @param rowsApplied rows of central applied by the backfill so far
     */
    public record State(String table, String scope, boolean swept, long backfillAfter, boolean backfillDone,
            long rowsApplied, Instant startedAt, Optional<Instant> finishedAt) {
    }

    private final Pool pool;

    public ScopeStore(Pool pool) {
        this.pool = pool;
    }

    /**
     * The table's state for {@code scope}: as recorded when the scope is the one recorded, else a fresh start (sweep
     * and backfill from the first position), replacing the state of an earlier scope.
     */
    public Uni<State> begin(String table, String scope) {
        return pool.preparedQuery("""
                INSERT INTO edge_scope AS s (table_name, scope) VALUES ($1, $2)
                ON CONFLICT (table_name) DO UPDATE
                SET scope = EXCLUDED.scope, swept = false, backfill_after = 0, backfill_done = false, rows_applied = 0,
                    started_at = now(), finished_at = NULL
                WHERE s.scope IS DISTINCT FROM EXCLUDED.scope""")
                .execute(Tuple.of(table, scope))
                .chain(() -> find(table))
                .map(Optional::orElseThrow);
    }

    /** Starts the table's scope over: sweep and backfill from the first position. */
    public Uni<Void> restart(String table) {
        return pool.preparedQuery("""
                UPDATE edge_scope SET swept = false, backfill_after = 0, backfill_done = false, rows_applied = 0,
                    started_at = now(), finished_at = NULL
                WHERE table_name = $1""")
                .execute(Tuple.of(table))
                .replaceWithVoid();
    }

    public Uni<Optional<State>> find(String table) {
        return pool.preparedQuery("SELECT * FROM edge_scope WHERE table_name = $1")
                .execute(Tuple.of(table))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(state(rows.iterator().next())));
    }

    /** Every table's state, by table name. */
    public Uni<List<State>> all() {
        return pool.query("SELECT * FROM edge_scope ORDER BY table_name").execute().map(rows -> {
            List<State> states = new ArrayList<>();
            rows.forEach(row -> states.add(state(row)));
            return states;
        });
    }

    /** The rows held before that no longer match were taken out. */
    public Uni<Void> swept(String table, String scope) {
        return pool.preparedQuery("UPDATE edge_scope SET swept = true WHERE table_name = $1 AND scope = $2")
                .execute(Tuple.of(table, scope))
                .replaceWithVoid();
    }

    /** A page of the backfill was applied: {@code rows} rows up to master position {@code after}. */
    public Uni<Void> advanced(String table, String scope, long after, int rows) {
        return pool.preparedQuery("""
                UPDATE edge_scope SET backfill_after = $3, rows_applied = rows_applied + $4
                WHERE table_name = $1 AND scope = $2 AND backfill_after < $3""")
                .execute(Tuple.of(table, scope, after, rows))
                .replaceWithVoid();
    }

    /** The backfill reached central's last row. */
    public Uni<Void> done(String table, String scope) {
        return pool.preparedQuery("""
                UPDATE edge_scope SET backfill_done = true, finished_at = now() WHERE table_name = $1 AND scope = $2""")
                .execute(Tuple.of(table, scope))
                .replaceWithVoid();
    }

    private static State state(Row row) {
        return new State(row.getString("table_name"), row.getString("scope"), row.getBoolean("swept"),
                row.getLong("backfill_after"), row.getBoolean("backfill_done"), row.getLong("rows_applied"),
                row.getOffsetDateTime("started_at").toInstant(),
                Optional.ofNullable(row.getOffsetDateTime("finished_at")).map(OffsetDateTime::toInstant));
    }
}
