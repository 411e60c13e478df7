package io.edgesync.bench;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

/**
 * The raw PostgreSQL rate for the same durable work with no gateway in between: the same server (the gateway's embedded
 * PostgreSQL, fsync and synchronous commit on), the same driver (Vert.x reactive PostgreSQL client, prepared
 * statements), a table shaped like the gateway's {@code sync_record} (JSONB document, primary key, change-position
 * index) and the same item JSON. Single-row commits (one INSERT per transaction) and batched inserts (one multi-row
 * INSERT of a batch per transaction).
 */
final class PgBaseline {

    static final String SCENARIO = "baseline";

    private static final String SINGLE = """
            INSERT INTO bench_raw.record (table_name, id, data, created_at, updated_at, version, deleted, change_seq)
            VALUES ('raw', $1, $2::jsonb, clock_timestamp(), clock_timestamp(),
                    encode(uuid_send(gen_random_uuid()), 'base64'), FALSE, nextval('bench_raw.change_seq'))""";

    private static final String BATCH = """
            INSERT INTO bench_raw.record (table_name, id, data, created_at, updated_at, version, deleted, change_seq)
            SELECT 'raw', u.id, u.data::jsonb, clock_timestamp(), clock_timestamp(),
                   encode(uuid_send(gen_random_uuid()), 'base64'), FALSE, nextval('bench_raw.change_seq')
            FROM unnest($1::text[], $2::text[]) AS u(id, data)""";

    private PgBaseline() {
    }

    static void run(Bench bench, int port, String database) {
        BenchOptions o = bench.options;
        List<Integer> singleLevels = o.integers("baseline.single", "1,16,64", "1,32");
        int batchedConcurrency = o.integer("baseline.batched", 8, 8);
        int batchSize = o.integer("s3.batch", 100, 100);
        Duration duration = o.duration("baseline.duration", "10s", "5s");
        Duration warmup = o.duration("baseline.warmup", "2s", "1s");
        int size = o.integer("s1.size", 100, 100);
        String text = Bench.text(size);

        Pool admin = Pg.pool(bench.vertx, port, database, 1);
        try {
            Pg.execute(admin, """
                    DROP SCHEMA IF EXISTS bench_raw CASCADE;
                    CREATE SCHEMA bench_raw;
                    CREATE SEQUENCE bench_raw.change_seq;
                    CREATE TABLE bench_raw.record (
                        table_name VARCHAR(128) COLLATE "C" NOT NULL,
                        id         VARCHAR(255) COLLATE "C" NOT NULL,
                        data       JSONB NOT NULL,
                        created_at TIMESTAMP(3) WITH TIME ZONE NOT NULL,
                        updated_at TIMESTAMP(3) WITH TIME ZONE NOT NULL,
                        version    VARCHAR(64) NOT NULL,
                        deleted    BOOLEAN NOT NULL DEFAULT FALSE,
                        change_seq BIGINT NOT NULL,
                        PRIMARY KEY (table_name, id));
                    CREATE INDEX ON bench_raw.record (table_name, updated_at);
                    CREATE UNIQUE INDEX ON bench_raw.record (table_name, change_seq);""", Duration.ofSeconds(30));
            String settings = "fsync=" + Pg.show(admin, "fsync") + ", synchronous_commit="
                    + Pg.show(admin, "synchronous_commit") + ", wal_sync_method=" + Pg.show(admin, "wal_sync_method")
                    + ", server " + Pg.show(admin, "server_version");
            bench.facts.put("postgres", settings);
        } finally {
            admin.close();
        }

        for (int concurrency : singleLevels) {
            Pool pool = Pg.pool(bench.vertx, port, database, concurrency);
            try {
                Stats commits = new Stats("commit");
                Load.Phase phase = Load.closedLoop(bench.vertx, "baseline single-row commits c=" + concurrency,
                        concurrency, warmup, duration, List.of(commits), i -> {
                            long[] n = {0};
                            return () -> timed(commits, 1, () -> pool.preparedQuery(SINGLE)
                                    .execute(Tuple.of(UUID.randomUUID().toString(), item(text, n[0]++)))
                                    .toCompletionStage()
                                    .toCompletableFuture());
                        }, bench.progress, bench.cpu);
                bench.add(Result.of(SCENARIO, Result.POSTGRES, "single-row commit", concurrency, phase, commits,
                        "rows", "INSERT of one item per transaction"));
            } finally {
                pool.close();
            }
        }

        Pool pool = Pg.pool(bench.vertx, port, database, batchedConcurrency);
        try {
            Stats batches = new Stats("batch");
            Load.Phase phase = Load.closedLoop(bench.vertx, "baseline batched inserts c=" + batchedConcurrency,
                    batchedConcurrency, warmup, duration, List.of(batches), i -> {
                        long[] n = {0};
                        return () -> {
                            String[] ids = new String[batchSize];
                            String[] items = new String[batchSize];
                            for (int k = 0; k < batchSize; k++) {
                                ids[k] = UUID.randomUUID().toString();
                                items[k] = item(text, n[0]++);
                            }
                            return timed(batches, batchSize, () -> pool.preparedQuery(BATCH)
                                    .execute(Tuple.tuple().addArrayOfString(ids).addArrayOfString(items))
                                    .toCompletionStage()
                                    .toCompletableFuture());
                        };
                    }, bench.progress, bench.cpu);
            bench.add(Result.of(SCENARIO, Result.POSTGRES, "batched insert (" + batchSize + " rows/commit)",
                    batchedConcurrency, phase, batches, "rows", "one multi-row INSERT (unnest) per transaction"));
        } finally {
            pool.close();
        }
        Pool cleanup = Pg.pool(bench.vertx, port, database, 1);
        try {
            Pg.execute(cleanup, "DROP SCHEMA IF EXISTS bench_raw CASCADE", Duration.ofSeconds(60));
        } finally {
            cleanup.close();
        }
    }

    static String item(String text, long n) {
        return new JsonObject().put("text", text).put("complete", false).put("n", n).encode();
    }

    static <T> CompletableFuture<T> timed(Stats stats, long units,
            java.util.function.Supplier<CompletableFuture<T>> call) {
        long start = System.nanoTime();
        return call.get().whenComplete((result, failure) -> {
            if (failure != null) {
                stats.failure(Http.describe(failure));
            } else {
                stats.success(System.nanoTime() - start, units);
            }
        });
    }
}
