package io.edgesync.cache;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.edgesync.common.Meters;
import io.edgesync.config.EdgeSyncConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Keeps the planner's statistics of fast-growing tables current. PostgreSQL plans a prepared statement for its first
 * executions, then may keep one generic plan; made while a table was nearly empty, that plan scans the table whole, and
 * it stays until the table is analyzed again. Autovacuum analyzes a table only once a tenth of it changed and looks at
 * each database once a minute, so a gateway that starts on empty tables under load spent its first minutes on
 * whole-table scans (the outbox relays' "sent" updates and the batch write's record lookups took 17 to 30 ms each
 * instead of 0.2 to 2 ms). Every {@code edgesync.tables.statistics-check-seconds} this analyzes each table of the
 * schema that changed more rows since its last analysis than it then held (at least {@value #MIN_CHANGES}): that
 * happens while tables grow from empty, and rarely once they are large, which autovacuum then keeps as it does.
 */
@ApplicationScoped
public class TableStatistics {

    /** Fewer changed rows than this never make a table worth analyzing here. */
    static final int MIN_CHANGES = 1000;

    private static final String STALE = """
            SELECT quote_ident(s.schemaname) || '.' || quote_ident(s.relname) AS name
            FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
            WHERE s.schemaname = current_schema()
              AND s.n_mod_since_analyze >= GREATEST($1, c.reltuples)
            ORDER BY s.relname""";

    private final Pool pool;
    private final Vertx vertx;
    private final MeterRegistry metrics;
    private final int intervalSeconds;
    private long timer = -1;
    private volatile boolean failing;

    public TableStatistics(Pool pool, Vertx vertx, EdgeSyncConfig config, MeterRegistry metrics) {
        this.pool = pool;
        this.vertx = vertx;
        this.metrics = metrics;
        this.intervalSeconds = config.tables().statisticsCheckSeconds();
    }

    void start(@Observes StartupEvent event) {
        if (intervalSeconds <= 0) {
            return;
        }
        timer = vertx.setPeriodic(intervalSeconds * 1000L, id -> analyzeGrownTables().subscribe().with(analyzed -> {
            if (failing) {
                failing = false;
                Log.info("Table statistics are checked again");
            }
        }, failure -> {
            if (!failing) {
                failing = true;
                Log.warnf("Could not check table statistics (%s); retrying every %d s", failure.getMessage(),
                        intervalSeconds);
            }
        }));
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** Analyzes every table that changed more since its last analysis than it held then; returns their names. */
    public Uni<List<String>> analyzeGrownTables() {
        return pool.preparedQuery(STALE).execute(Tuple.of(MIN_CHANGES)).map(rows -> {
            List<String> names = new ArrayList<>();
            rows.forEach(row -> names.add(row.getString("name")));
            return names;
        })
                .onItem()
                .transformToMulti(names -> Multi.createFrom().iterable(names))
                .onItem()
                .transformToUniAndConcatenate(name -> pool.query("ANALYZE " + name).execute().map(done -> {
                    Meters.counter(metrics, "edgesync.tables.analyzed").increment();
                    Log.debugf("Analyzed %s", name);
                    return name;
                }))
                .collect()
                .asList();
    }
}
