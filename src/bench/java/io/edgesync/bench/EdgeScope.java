package io.edgesync.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;

/**
 * Scenario 7: one edge whose scope holds 1% of a large table, against the same edge holding all of it. Central (the
 * harness's gateway, role {@code all}) holds the table's master rows, seeded in SQL (every hundredth row of region
 * {@code north}, the others spread over 99 regions); a second process, role {@code edge}, with its own database on the
 * same PostgreSQL server and the same Kafka, is configured with {@code region eq 'north'} and fills its cache from
 * central's API for edges. Then changes of rows in another region are written through the harness's gateway, and the
 * edge's CPU time until it has consumed them all is measured. The edge is then restarted with {@code all} (on the same
 * database: it fills again with every row of central) and measured the same way.
 *
 * <p> The edge's other tables are kept out of the measurement: its default scope is a filter no row matches, so the
 * changes the earlier scenarios wrote are skipped in memory before the measured phases start.
 */
final class EdgeScope {

    static final String SCENARIO = "7 edge scope";
    private static final String TABLE = "scopeitem";
    private static final String FILTER = "region eq 'north'";
    private static final String CHANGES = "edgesync.changes";
    private static final String EDGE_GROUP = "edgesync-edge-scope-edge";
    private static final Duration FILL_TIMEOUT = Duration.ofMinutes(30);

    private EdgeScope() {
    }

    static void run(Bench bench, GatewayProcess central, Path appDir) throws Exception {
        BenchOptions o = bench.options;
        int rows = o.integer("s7.rows", 1_000_000, 100_000);
        int changes = o.integer("s7.changes", 20_000, 5_000);
        int warmup = o.integer("s7.warmup-changes", 50_000, 10_000);
        int size = o.integer("s7.size", 100, 100);
        boolean jfr = o.flag("jfr");
        int pgPort = central.postgresPort().orElseThrow();
        String database = "bench_scope_" + bench.runId;
        try (Http writer = bench.http(central.uri(), 8);
                Admin kafka = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                        central.kafkaBootstrap().orElseThrow()))) {
            seed(bench, writer, pgPort, central.database(), rows, size);
            Pool admin = Pg.pool(bench.vertx, pgPort, central.database(), 1);
            try {
                Pg.execute(admin, "CREATE DATABASE " + database, Duration.ofSeconds(60));
            } finally {
                admin.close();
            }
            Pool edgeDb = Pg.pool(bench.vertx, pgPort, database, 1);
            Pool centralDb = Pg.pool(bench.vertx, pgPort, central.database(), 1);
            try {
                int[] batch = {0};
                for (String scope : List.of(FILTER, "all")) {
                    String label = scope.equals(FILTER) ? "scope " + FILTER + " (1%)" : "scope all";
                    bench.progress.status(SCENARIO, "starting the edge with " + label);
                    try (GatewayProcess edge = startEdge(bench, appDir, central, pgPort, database, scope)) {
                        bench.cpu.track("scoped edge", edge.pid());
                        try {
                            long masterRows = Pg.execute(centralDb, "SELECT count(*) FROM central_record"
                                    + " WHERE table_name = '" + TABLE + "'", Duration.ofMinutes(1))
                                    .iterator()
                                    .next()
                                    .getLong(0);
                            fill(bench, edgeDb, scope, label, masterRows);
                            // unmeasured: the edge's JIT and pools warm up on the same kind of change
                            changes(bench, writer, kafka, warmup, size, batch);
                            double idle = idleCores(edge);
                            String kind = scope.equals("all") ? "all" : "filter";
                            if (jfr) {
                                edge.jcmd("JFR.start", "name=s7", "settings=profile");
                            }
                            Map<Long, Long> sessionsBefore = sessionTicks(edgeDb);
                            Load.Phase used = changes(bench, writer, kafka, changes, size, batch);
                            double sessionsMs = ticksSince(sessionsBefore, sessionTicks(edgeDb)) * 10.0
                                    / (changes / 1000.0);
                            if (jfr) {
                                profile(bench, edge, kind, label);
                            }
                            double perThousand = used.seconds() / (changes / 1000.0);
                            double edgeMs = used.cpu().cores().getOrDefault("scoped edge", Double.NaN) * perThousand
                                    * 1000;
                            double netMs = edgeMs - idle * perThousand * 1000;
                            double postgresMs = used.cpu().cores().getOrDefault("postgres", Double.NaN)
                                    * perThousand * 1000;
                            bench.facts.put("scenario 7 CPU per 1,000 changes of another region, " + label,
                                    String.format(Locale.ROOT, "edge %.0f ms (%.0f ms above its idle %.3f cores),"
                                            + " its database sessions %.0f ms; the whole PostgreSQL server (central's"
                                            + " work included) %.0f ms; %,d changes in %.1f s", edgeMs, netMs, idle,
                                            sessionsMs, postgresMs, changes, used.seconds()));
                            bench.progress.log(String.format(Locale.ROOT,
                                    "  CPU per 1,000 changes of another region, %s: edge %.0f ms (%.0f above idle),"
                                            + " its database sessions %.0f ms, PostgreSQL server %.0f ms",
                                    label, edgeMs, netMs, sessionsMs, postgresMs));
                        } finally {
                            bench.cpu.untrack("scoped edge");
                        }
                    }
                }
            } finally {
                edgeDb.close();
                centralDb.close();
            }
        }
    }

    /** Central's table: one row through the API (it creates the table everywhere), the rest in SQL. */
    private static void seed(Bench bench, Http writer, int pgPort, String database, int rows, int size) {
        bench.progress.status(SCENARIO + " seed", "creating " + TABLE + " through the API");
        push(writer, "s7-seed-" + bench.runId, List.of("first"), Bench.text(size), "r1", "create");
        Pool pool = Pg.pool(bench.vertx, pgPort, database, 1);
        try {
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (Pg.execute(pool, "SELECT 1 FROM central_record WHERE table_name = '" + TABLE + "'",
                    Duration.ofSeconds(10)).size() == 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Central did not get the first row of " + TABLE);
                }
                GatewayProcess.sleep(200);
            }
            long start = System.nanoTime();
            int chunk = 100_000;
            for (int from = 1; from <= rows; from += chunk) {
                int to = Math.min(rows, from + chunk - 1);
                bench.progress.status(SCENARIO + " seed", String.format(Locale.ROOT, "%,d / %,d master rows (%.0f s)",
                        from - 1, rows, (System.nanoTime() - start) / 1e9));
                // Master rows as central writes them: positions from central's sequence, one version each.
                Pg.execute(pool, """
                        INSERT INTO central_record (table_name, id, data, created_at, updated_at, version, deleted,
                                                    master_seq)
                        SELECT '%1$s', 'seed-' || g,
                               jsonb_build_object('text', '%2$s', 'complete', false, 'n', g,
                                                  'region', CASE WHEN g %% 100 = 0 THEN 'north'
                                                                 ELSE 'r' || (g %% 100) END),
                               now(), now(), encode(uuid_send(gen_random_uuid()), 'base64'), FALSE,
                               nextval('central_master_seq')
                        FROM generate_series(%3$d, %4$d) AS g""".formatted(TABLE, Bench.text(size), from, to),
                        Duration.ofMinutes(5));
            }
            Pg.execute(pool, "VACUUM ANALYZE central_record", Duration.ofMinutes(5));
            bench.progress.phaseDone();
            bench.facts.put("scenario 7 seeding", String.format(Locale.ROOT,
                    "%,d master rows in SQL in %.1f s, %,d of region north", rows, (System.nanoTime() - start) / 1e9,
                    rows / 100));
        } finally {
            pool.close();
        }
    }

    private static GatewayProcess startEdge(Bench bench, Path appDir, GatewayProcess central, int pgPort,
            String database, String scope) throws Exception {
        Map<String, String> props = GatewayProcess.edgeProperties("scope-edge", pgPort, database,
                central.kafkaBootstrap().orElseThrow());
        props.put("edgesync.tables.declared." + TABLE + ".per-user", "false");
        props.put("edgesync.tables.declared." + TABLE + ".columns.region", "string");
        props.put("edgesync.tables.declared." + TABLE + ".edge-scope", scope);
        // the tables of the other scenarios: held by no row, their changes skipped in memory
        props.put("edgesync.tables.default-edge-scope", "id eq ''");
        props.put("edgesync.edge.central.url", central.uri().toString());
        props.putAll(bench.options.withPrefix("s7.edge-prop."));
        return GatewayProcess.start("scope-edge-" + (scope.equals("all") ? "all" : "filter"), appDir, bench.outDir,
                bench.options.text("s7.edge-heap", "512m"), List.of(), props);
    }

    /** Waits until the edge has filled {@code scope}; reports how long that took and what the edge holds. */
    private static void fill(Bench bench, Pool edgeDb, String scope, String label, long masterRows) {
        CpuMeter.Snapshot before = bench.cpu.snapshot();
        long start = System.nanoTime();
        long deadline = start + FILL_TIMEOUT.toNanos();
        Row state = null;
        while (System.nanoTime() < deadline) {
            var found = Pg.execute(edgeDb, """
                    SELECT rows_applied, backfill_done, EXTRACT(EPOCH FROM finished_at - started_at) AS seconds
                    FROM edge_scope WHERE table_name = '%s' AND scope = '%s'""".formatted(TABLE,
                    scope.replace("'", "''")), Duration.ofSeconds(10));
            state = found.size() == 0 ? null : found.iterator().next();
            if (state != null && state.getBoolean("backfill_done")) {
                break;
            }
            bench.progress.status(SCENARIO + " fill", String.format(Locale.ROOT, "%s: %,d rows applied", label,
                    state == null ? 0 : state.getLong("rows_applied")));
            GatewayProcess.sleep(500);
        }
        CpuMeter.Snapshot after = bench.cpu.snapshot();
        bench.progress.phaseDone();
        if (state == null || !state.getBoolean("backfill_done")) {
            throw new IllegalStateException("The edge did not fill " + label + " within " + FILL_TIMEOUT);
        }
        double seconds = state.getNumeric("seconds").doubleValue();
        long applied = state.getLong("rows_applied");
        Row held = Pg.execute(edgeDb, """
                SELECT count(*) FILTER (WHERE NOT deleted) AS live, count(*) AS total,
                       pg_total_relation_size('sync_record') AS bytes
                FROM sync_record WHERE table_name = '%s'""".formatted(TABLE), Duration.ofMinutes(2))
                .iterator()
                .next();
        Load.Phase phase = new Load.Phase((after.nanos() - before.nanos()) / 1e9, bench.cpu.usage(before, after));
        String note = String.format(Locale.ROOT,
                "central holds %,d rows; backfill of the scope: %,d rows applied in %.1f s (edge_scope); the edge holds %,d live"
                        + " rows (%,d with tombstones), sync_record %,.1f MiB",
                masterRows, applied, seconds, held.getLong("live"), held.getLong("total"),
                held.getLong("bytes") / 1048576.0);
        bench.add(new Result(SCENARIO, Result.EDGESYNC, "backfill, " + label, 1, seconds, applied, 0,
                applied / seconds, "rows", applied / seconds, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                new LinkedHashMap<>(phase.cpu().cores()), Map.of(), note));
        bench.facts.put("scenario 7 cache, " + label, String.format(Locale.ROOT, "%,d live rows, sync_record %,.1f MiB",
                held.getLong("live"), held.getLong("bytes") / 1048576.0));
    }

    /**
     * Writes {@code count} new rows of another region through central's gateway, in pushes of 100, and waits until the
     * edge has consumed as many changes; returns how long that took and the CPU used meanwhile.
     */
    private static Load.Phase changes(Bench bench, Http writer, Admin kafka, int count, int size, int[] batch) {
        long published = changeStreamEnd(kafka);
        CpuMeter.Snapshot before = bench.cpu.snapshot();
        String text = Bench.text(size);
        int pushes = (count + 99) / 100;
        int first = batch[0];
        batch[0] += pushes;
        long failed = Load.bounded(bench.vertx, 4, pushes, n -> {
            List<String> ids = new java.util.ArrayList<>();
            for (int i = 0; i < 100 && (n * 100 + i) < count; i++) {
                ids.add("c-" + (first + n) + "-" + i);
            }
            return writer.send(HttpMethod.POST, "/sync/v1/devices/s7-writer-" + bench.runId + "-" + (n % 4) + "/push",
                    Map.of("Content-Type", "application/json"),
                    body(ids, text, "r7", "b" + (first + n)));
        }, bench.progress, SCENARIO + " changes");
        if (failed > 0) {
            throw new IllegalStateException(failed + " pushes of scenario 7 failed");
        }
        // Done when central published them all and the edge committed its offsets past them: read from Kafka, so
        // that the wait adds no work to the edge measured.
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (true) {
            long end = changeStreamEnd(kafka);
            long committed = edgeCommitted(kafka);
            if (end - published >= count && committed >= end) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("The edge did not consume " + count + " changes: " + (end - published)
                        + " published, " + (end - committed) + " not consumed");
            }
            bench.progress.status(SCENARIO + " changes", String.format(Locale.ROOT,
                    "%,d / %,d published, %,d not yet consumed by the edge", end - published, count, end - committed));
            GatewayProcess.sleep(100);
        }
        CpuMeter.Snapshot after = bench.cpu.snapshot();
        bench.progress.phaseDone();
        return new Load.Phase((after.nanos() - before.nanos()) / 1e9, bench.cpu.usage(before, after));
    }

    /** The change stream's end offsets, summed over its partitions. */
    private static long changeStreamEnd(Admin kafka) {
        try {
            Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
            kafka.describeTopics(List.of(CHANGES)).allTopicNames().get(30, TimeUnit.SECONDS).get(CHANGES)
                    .partitions()
                    .forEach(p -> latest.put(new TopicPartition(CHANGES, p.partition()), OffsetSpec.latest()));
            return kafka.listOffsets(latest).all().get(30, TimeUnit.SECONDS).values().stream()
                    .mapToLong(ListOffsetsResult.ListOffsetsResultInfo::offset)
                    .sum();
        } catch (Exception e) {
            throw new IllegalStateException("Kafka's offsets could not be read: " + e, e);
        }
    }

    /** The offsets the edge's consumer group committed on the change stream, summed. */
    private static long edgeCommitted(Admin kafka) {
        try {
            return kafka.listConsumerGroupOffsets(EDGE_GROUP).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                    .entrySet()
                    .stream()
                    .filter(e -> e.getKey().topic().equals(CHANGES) && e.getValue() != null)
                    .mapToLong(e -> e.getValue().offset())
                    .sum();
        } catch (Exception e) {
            throw new IllegalStateException("The edge's offsets could not be read: " + e, e);
        }
    }

    /** Stops the edge's recording and adds its hot spots to {@code jfr-summary.md}. */
    private static void profile(Bench bench, GatewayProcess edge, String kind, String label) {
        Path recording = bench.outDir.resolve("jfr").resolve("s7-" + kind + ".jfr");
        try {
            Files.createDirectories(recording.getParent());
            edge.jcmd("JFR.stop", "name=s7", "filename=" + recording);
            String summary = JfrSummary.summarize(recording, "Edge applying changes of another region, " + label);
            Files.writeString(bench.outDir.resolve("jfr-summary.md"), summary + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException | RuntimeException e) {
            bench.note("JFR summary of scenario 7 (" + label + ") failed: " + Http.describe(e));
        }
    }

    /** CPU ticks so far of each PostgreSQL backend serving the edge's database (the harness's own apart), by pid. */
    private static Map<Long, Long> sessionTicks(Pool edgeDb) {
        Map<Long, Long> ticks = new LinkedHashMap<>();
        Pg.execute(edgeDb, "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                + " AND pid <> pg_backend_pid()", Duration.ofSeconds(10))
                .forEach(row -> {
                    long pid = row.getInteger(0);
                    ticks.put(pid, CpuMeter.processTicks(pid));
                });
        return ticks;
    }

    /** The ticks the backends used between two readings (a backend that started in between, all of its own). */
    private static long ticksSince(Map<Long, Long> before, Map<Long, Long> after) {
        long used = 0;
        for (Map.Entry<Long, Long> backend : after.entrySet()) {
            if (backend.getValue() >= 0) {
                used += backend.getValue() - Math.max(0, before.getOrDefault(backend.getKey(), 0L));
            }
        }
        return used;
    }

    /** Cores the edge uses with nothing to do, over 5 s (its timers: users, horizon, heartbeats). */
    private static double idleCores(GatewayProcess edge) {
        long before = CpuMeter.processTicks(edge.pid());
        GatewayProcess.sleep(5000);
        return (CpuMeter.processTicks(edge.pid()) - before) / 100.0 / 5.0;
    }

    private static void push(Http writer, String device, List<String> ids, String text, String region,
            String prefix) {
        Http.Response response = Load.join(writer.send(HttpMethod.POST, "/sync/v1/devices/" + device + "/push",
                Map.of("Content-Type", "application/json"), body(ids, text, region, prefix)), Duration.ofSeconds(30));
        if (response.status() != 200) {
            throw new IllegalStateException("Push to " + TABLE + " failed: HTTP " + response.status() + " "
                    + response.text());
        }
    }

    private static Buffer body(List<String> ids, String text, String region, String prefix) {
        JsonArray operations = new JsonArray();
        for (String id : ids) {
            operations.add(Bench.insert(prefix + "-" + id, TABLE, id,
                    new JsonObject().put("text", text).put("complete", false).put("region", region)));
        }
        return new JsonObject().put("operations", operations).toBuffer();
    }
}
