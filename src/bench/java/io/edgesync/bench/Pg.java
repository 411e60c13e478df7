package io.edgesync.bench;

import java.time.Duration;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

/** The Vert.x reactive PostgreSQL client, the driver the gateway itself uses, pointed at the gateway's database. */
final class Pg {

    private Pg() {
    }

    static Pool pool(Vertx vertx, int port, String database, int size) {
        return PgBuilder.pool()
                .with(new PoolOptions().setMaxSize(size).setMaxWaitQueueSize(-1))
                .connectingTo(new PgConnectOptions()
                        .setHost("127.0.0.1")
                        .setPort(port)
                        .setDatabase(database)
                        .setUser("postgres")
                        .addProperty("application_name", "bench")
                        .setCachePreparedStatements(true)
                        .setPipeliningLimit(1))
                .using(vertx)
                .build();
    }

    /** Runs one statement and waits for it (set-up and seeding only, never on a measured path). */
    static RowSet<Row> execute(Pool pool, String sql, Duration timeout) {
        return Load.join(pool.query(sql).execute().toCompletionStage().toCompletableFuture(), timeout);
    }

    /** Runs one statement with parameters and waits for it (never on a measured path). */
    static RowSet<Row> execute(Pool pool, String sql, Tuple params, Duration timeout) {
        return Load.join(pool.preparedQuery(sql).execute(params).toCompletionStage().toCompletableFuture(), timeout);
    }

    static String show(Pool pool, String setting) {
        RowSet<Row> rows = execute(pool, "SHOW " + setting, Duration.ofSeconds(10));
        return rows.iterator().next().getString(0);
    }
}
