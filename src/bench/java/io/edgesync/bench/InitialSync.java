package io.edgesync.bench;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;

/**
 * Scenario 4: initial sync of a large table to one new client over the native pull ({@code GET
 * /sync/v1/devices/{id}/pull?table=&limit=10000}, following {@code token} until {@code hasMore} is false). The client
 * parses every page, as a real one would.
 *
 * <p> The table is created through the API (one push), then filled with rows in SQL: writing a million rows through the
 * API is what scenario 3 measures, and would make the run long. The rows have the shape the gateway writes (JSONB
 * document, unique stamps and change positions), and the table is vacuumed and analysed, as autovacuum would have done
 * by the time a table got this big.
 */
final class InitialSync {

    static final String SCENARIO = "4 initial sync";
    private static final int CHUNK = 100_000;

    private InitialSync() {
    }

    static final String TABLE = "syncitem";

    /** Creates the table through the API and fills it in SQL. */
    static void seed(Bench bench, URI uri, int pgPort, String database) {
        BenchOptions o = bench.options;
        try (Http http = bench.http(uri, 2)) {
            seed(bench, http, TABLE, o.integer("s4.rows", 1_000_000, 100_000), o.integer("s4.size", 100, 100), pgPort,
                    database);
        }
    }

    static void run(Bench bench, URI uri) {
        BenchOptions o = bench.options;
        int rows = o.integer("s4.rows", 1_000_000, 100_000);
        int limit = o.integer("s4.limit", 10_000, 10_000);
        int runs = o.integer("s4.runs", 2, 1);
        String table = TABLE;
        try (Http http = bench.http(uri, 2)) {
            for (int run = 1; run <= runs; run++) {
                Stats pages = new Stats("page");
                String device = "s4-" + bench.runId + "-" + run;
                bench.progress.status(SCENARIO + " run " + run, "pulling " + rows + " rows");
                CpuMeter.Snapshot before = bench.cpu.snapshot();
                long start = System.nanoTime();
                long pulled = pullAll(bench, http, device, table, limit, pages, rows + 1);
                double seconds = (System.nanoTime() - start) / 1e9;
                CpuMeter.Snapshot after = bench.cpu.snapshot();
                bench.progress.phaseDone();
                Load.Phase phase = new Load.Phase(seconds, bench.cpu.usage(before, after));
                String note = String.format(Locale.ROOT, "run %d of %d: %,d rows in %.2f s, pages of %,d%s", run, runs,
                        pulled, seconds, limit, pulled == rows + 1 ? "" : " (EXPECTED " + (rows + 1) + ")");
                bench.add(Result.of(SCENARIO, Result.EDGESYNC, "initial sync, run " + run + " (pages)", 1, phase,
                        pages, "rows", note));
                bench.facts.put("scenario 4 run " + run + " seconds", String.format(Locale.ROOT, "%.2f", seconds));
            }
        }
    }

    private static void seed(Bench bench, Http http, String table, int rows, int size, int pgPort, String database) {
        String device = "s4-seed-" + bench.runId;
        String text = Bench.text(size);
        Buffer body = new JsonObject().put("operations", new JsonArray().add(Bench.insert("create", table, "first",
                new JsonObject().put("text", text).put("complete", false).put("n", 0))))
                .toBuffer();
        Http.Response created = Load.join(http.send(HttpMethod.POST, "/sync/v1/devices/" + device + "/push",
                Map.of("Content-Type", "application/json"), body), Duration.ofSeconds(30));
        if (created.status() != 200) {
            throw new IllegalStateException("Could not create " + table + ": HTTP " + created.status());
        }
        Pool pool = Pg.pool(bench.vertx, pgPort, database, 1);
        try {
            long start = System.nanoTime();
            for (int from = 1; from <= rows; from += CHUNK) {
                int to = Math.min(rows, from + CHUNK - 1);
                bench.progress.status(SCENARIO + " seed", String.format(Locale.ROOT, "%,d / %,d rows (%.0f s)",
                        from - 1, rows, (System.nanoTime() - start) / 1e9));
                // One transaction per chunk, stamped from the table's clock as writes are (es_stamp, ADR 0003).
                Pg.execute(pool, """
                        WITH stamps AS (SELECT es_stamp('%1$s', %4$d - %3$d + 1) AS first)
                        INSERT INTO sync_record (table_name, id, data, created_at, updated_at, version, deleted,
                                                 change_seq)
                        SELECT '%1$s', 'seed-' || g,
                               jsonb_build_object('text', '%2$s', 'complete', g %% 2 = 0, 'n', g),
                               es_stamp_time(stamps.first + g - %3$d), es_stamp_time(stamps.first + g - %3$d),
                               encode(uuid_send(gen_random_uuid()), 'base64'), FALSE, stamps.first + g - %3$d
                        FROM stamps, generate_series(%3$d, %4$d) AS g""".formatted(table, text, from, to),
                        Duration.ofMinutes(5));
            }
            // The rows came from outside the gateway, as from another replica of the edge: tell it, as replicas do.
            Pg.execute(pool, "SELECT pg_notify('edgesync_horizon', '%s|bench')".formatted(table),
                    Duration.ofSeconds(10));
            bench.progress.status(SCENARIO + " seed", "VACUUM ANALYZE sync_record");
            Pg.execute(pool, "VACUUM ANALYZE sync_record", Duration.ofMinutes(5));
            bench.progress.phaseDone();
            bench.facts.put("scenario 4 seeding", String.format(Locale.ROOT, "%,d rows in SQL in %.1f s", rows,
                    (System.nanoTime() - start) / 1e9));
        } finally {
            pool.close();
        }
    }

    /** Pulls the table from the start, page by page, and returns how many rows came. */
    static long pullAll(Bench bench, Http http, String device, String table, int limit, Stats pages, long expected) {
        long pulled = 0;
        String token = null;
        long start = System.nanoTime();
        while (true) {
            String uri = "/sync/v1/devices/" + device + "/pull?table=" + table + "&limit=" + limit
                    + (token == null ? "" : "&token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
            CompletableFuture<Http.Response> call = Http.timed(pages, 200,
                    () -> http.get(uri, Map.of("Accept", "application/json")));
            Http.Response response = Load.join(call, Duration.ofMinutes(2));
            JsonObject page = response.json();
            int count = page.getJsonArray("changes").size();
            pages.addUnits(count);
            pulled += count;
            token = page.getString("token");
            bench.progress.status(SCENARIO, String.format(Locale.ROOT, "%,d / %,d rows (%,.0f rows/s)", pulled,
                    expected, pulled / ((System.nanoTime() - start) / 1e9)));
            if (!page.getBoolean("hasMore", false)) {
                return pulled;
            }
        }
    }
}
