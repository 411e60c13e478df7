package io.edgesync.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;

/**
 * What the statements of every database on the gateway's PostgreSQL cost over a step ({@code pg_stat_statements}):
 * the statements that took the most execution time, with their calls and time per call. Available when the server
 * loads the extension: the embedded one with
 * {@code --gateway-prop.edgesync.embedded.postgres.statement-statistics=true}.
 */
final class PgStatements implements AutoCloseable {

    private static final String SNAPSHOT = """
            SELECT d.datname, s.queryid, s.query, s.calls, s.total_exec_time, s.rows
            FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            WHERE s.query NOT LIKE '%pg_stat_statements%'""";

    /** One statement's counters. */
    private record Counters(String database, String query, long calls, double millis, long rows) {
    }

    private final Pool pool;
    private final Map<String, Counters> before;

    private PgStatements(Pool pool, Map<String, Counters> before) {
        this.pool = pool;
        this.before = before;
    }

    /** Starts counting, or empty when the server does not load {@code pg_stat_statements}. */
    static Optional<PgStatements> start(Vertx vertx, int port, String database) {
        Pool pool = Pg.pool(vertx, port, database, 1);
        try {
            Pg.execute(pool, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements", Duration.ofSeconds(10));
            return Optional.of(new PgStatements(pool, snapshot(pool)));
        } catch (RuntimeException e) {
            pool.close();
            return Optional.empty();
        }
    }

    private static Map<String, Counters> snapshot(Pool pool) {
        Map<String, Counters> counters = new HashMap<>();
        for (Row row : Pg.execute(pool, SNAPSHOT, Duration.ofSeconds(30))) {
            counters.put(row.getString(0) + "/" + row.getLong(1), new Counters(row.getString(0), row.getString(2),
                    row.getLong(3), row.getDouble(4), row.getLong(5)));
        }
        return counters;
    }

    /**
     * The {@code limit} statements that took the most time since the start, e.g. "3,120 ms in 9,800 calls (0.32 ms
     * each, 1.0 rows) bench_edge2: UPDATE sync_record ...".
     */
    String top(int limit) {
        Map<String, Counters> now;
        try {
            now = snapshot(pool);
        } catch (RuntimeException e) {
            return "not read: " + Http.describe(e);
        }
        List<Counters> spent = new ArrayList<>();
        now.forEach((key, after) -> {
            Counters earlier = before.get(key);
            long calls = after.calls() - (earlier == null ? 0 : earlier.calls());
            if (calls > 0) {
                spent.add(new Counters(after.database(), after.query(), calls,
                        after.millis() - (earlier == null ? 0 : earlier.millis()),
                        after.rows() - (earlier == null ? 0 : earlier.rows())));
            }
        });
        double total = spent.stream().mapToDouble(Counters::millis).sum();
        return String.format(Locale.ROOT, "%,.0f ms of statement time in all; ", total) + spent.stream()
                .sorted((a, b) -> Double.compare(b.millis(), a.millis()))
                .limit(limit)
                .map(c -> String.format(Locale.ROOT, "%,.0f ms in %,d calls (%.2f ms each, %.1f rows) %s: %s",
                        c.millis(), c.calls(), c.millis() / c.calls(), c.rows() / (double) c.calls(), c.database(),
                        abbreviate(c.query())))
                .collect(Collectors.joining("; "));
    }

    private static String abbreviate(String query) {
        String oneLine = query.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= 140 ? oneLine : oneLine.substring(0, 140) + "...";
    }

    @Override
    public void close() {
        pool.close();
    }
}
