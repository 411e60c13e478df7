package io.edgesync.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;

/**
 * Samples what the gateway's PostgreSQL backends are doing ({@code pg_stat_activity}) every 50 ms while a scenario
 * runs: running on CPU, waiting for a lock (and which), for the WAL flush of a commit, or idle waiting for the gateway.
 * The shares show where a write path spends its time inside the database.
 */
final class PgWaits implements AutoCloseable {

    private static final String SAMPLE = """
            SELECT CASE WHEN state = 'idle' THEN 'idle (waiting for the gateway)'
                        WHEN state = 'idle in transaction' THEN 'idle in transaction (waiting for the gateway)'
                        WHEN wait_event_type IS NULL THEN 'active on CPU'
                        ELSE wait_event_type || ': ' || wait_event END AS what,
                   count(*) AS n
            FROM pg_stat_activity
            WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND datname = current_database()
              AND application_name NOT LIKE 'bench%'
            GROUP BY 1""";

    private final Pool pool;
    private final Vertx vertx;
    private final Map<String, Long> counts = new TreeMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private long samples;
    private final long timer;

    private static final String COUNTERS = """
            SELECT xact_commit, pg_current_wal_lsn() - '0/0'::pg_lsn FROM pg_stat_database
            WHERE datname = current_database()""";

    private final long startNanos = System.nanoTime();
    private final long[] startCounters;

    private PgWaits(Vertx vertx, Pool pool) {
        this.vertx = vertx;
        this.pool = pool;
        this.startCounters = counters();
        this.timer = vertx.setPeriodic(50, id -> sample());
    }

    /** Commits of the database so far, and the WAL position in bytes. */
    private long[] counters() {
        try {
            Row row = Pg.execute(pool, COUNTERS, Duration.ofSeconds(10)).iterator().next();
            return new long[]{row.getLong(0), row.getNumeric(1).longValue()};
        } catch (RuntimeException e) {
            return null;
        }
    }

    static PgWaits start(Vertx vertx, int port, String database) {
        return new PgWaits(vertx, Pg.pool(vertx, port, database, 1));
    }

    private void sample() {
        if (!running.get()) {
            return;
        }
        pool.query(SAMPLE).execute().onSuccess(rows -> {
            synchronized (counts) {
                samples++;
                for (Row row : rows) {
                    counts.merge(row.getString(0), row.getLong(1), Long::sum);
                }
            }
        });
    }

    /** Average number of backends in each state, most frequent first, e.g. "Lock: tuple 12.3". */
    Map<String, Double> averages() {
        synchronized (counts) {
            Map<String, Double> result = new LinkedHashMap<>();
            counts.entrySet()
                    .stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .forEach(e -> result.put(e.getKey(), e.getValue() / (double) Math.max(1, samples)));
            return result;
        }
    }

    String describe() {
        String states = averages().entrySet()
                .stream()
                .filter(e -> e.getValue() >= 0.05)
                .map(e -> String.format(Locale.ROOT, "%s %.1f", e.getKey(), e.getValue()))
                .collect(Collectors.joining(", "));
        return states + (rates == null ? "" : "; " + rates);
    }

    private String rates;

    @Override
    public void close() {
        running.set(false);
        vertx.cancelTimer(timer);
        long[] end = counters();
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        if (startCounters != null && end != null) {
            rates = String.format(Locale.ROOT, "%,.0f commits/s, %.1f MB/s of WAL (whole step)",
                    (end[0] - startCounters[0]) / seconds, (end[1] - startCounters[1]) / seconds / 1e6);
        }
        Load.join(pool.close().toCompletionStage().toCompletableFuture(), Duration.ofSeconds(10));
    }
}
