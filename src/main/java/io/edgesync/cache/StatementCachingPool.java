package io.edgesync.cache;

import java.util.List;

import jakarta.inject.Singleton;

import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnectOptions;

/**
 * The reactive datasource's pool, as Quarkus configures it, with one change: statements up to
 * {@value #STATEMENT_CACHE_SQL_LIMIT} characters stay prepared on their connection. The client's default keeps only
 * statements under 2,048 characters; the write path's statements (a record, its CUD event and its queue entry in one)
 * are longer, and PostgreSQL then planned each of them anew for every write, which cost more than running it.
 */
@Singleton
public class StatementCachingPool implements PgPoolCreator {

    /** Longest statement text kept prepared, in characters. */
    static final int STATEMENT_CACHE_SQL_LIMIT = 32_768;

    @Override
    public Pool create(Input input) {
        for (PgConnectOptions options : input.pgConnectOptionsList()) {
            options.setCachePreparedStatements(true);
            options.setPreparedStatementCacheSqlLimit(STATEMENT_CACHE_SQL_LIMIT);
        }
        return PgBuilder.pool()
                .with(input.poolOptions())
                .connectingTo(List.<SqlConnectOptions>copyOf(input.pgConnectOptionsList()))
                .using(input.vertx())
                .build();
    }
}
