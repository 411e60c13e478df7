package io.edgesync.cache;

import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Singleton;

import io.edgesync.config.EdgeSyncConfig;
import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnectOptions;

/**
 * The reactive datasource's pool, as Quarkus configures it, with bounded waits for a connection (to open one,
 * {@code edgesync.limits.database-connect-timeout-millis}; to get one from the pool,
 * {@code database-acquire-timeout-millis}) and one more change: statements up to {@value #STATEMENT_CACHE_SQL_LIMIT}
 * characters stay prepared on their connection. The client's default keeps only statements under 2,048 characters; the
 * write path's statements (a record, its CUD event and its queue entry in one) are longer, and PostgreSQL then planned
 * each of them anew for every write, which cost more than running it.
 */
@Singleton
public class StatementCachingPool implements PgPoolCreator {

    /** Longest statement text kept prepared, in characters. */
    static final int STATEMENT_CACHE_SQL_LIMIT = 32_768;

    private final EdgeSyncConfig.Limits limits;

    public StatementCachingPool(EdgeSyncConfig config) {
        this.limits = config.limits();
    }

    @Override
    public Pool create(Input input) {
        for (PgConnectOptions options : input.pgConnectOptionsList()) {
            options.setCachePreparedStatements(true);
            options.setPreparedStatementCacheSqlLimit(STATEMENT_CACHE_SQL_LIMIT);
            options.setConnectTimeout(limits.databaseConnectTimeoutMillis());
        }
        return PgBuilder.pool()
                .with(input.poolOptions()
                        .setConnectionTimeout(limits.databaseAcquireTimeoutMillis())
                        .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
                .connectingTo(List.<SqlConnectOptions>copyOf(input.pgConnectOptionsList()))
                .using(input.vertx())
                .build();
    }
}
