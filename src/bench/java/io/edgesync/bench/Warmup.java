package io.edgesync.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Warms the gateway's JVM before anything is measured: a mix of every request kind the scenarios send (ZUMO insert,
 * update, pull from a watermark and an up-to-date device's two requests; native push and pull), on tables of its own,
 * in rounds of {@code warmup} until the gateway's JIT compiler threads use at most {@code warm-jit} cores in a round or
 * {@code warm-limit} has passed. On two cores the gateway's JVM compiles for minutes (observed: a third of its CPU in
 * scenario 2 after a 30 s warm-up), and what the compilers take then would be counted against the scenario that
 * happens to run first, which a long-running gateway does not pay. Not reported, except as a fact.
 */
final class Warmup {

    private Warmup() {
    }

    static void run(Bench bench) {
        BenchOptions o = bench.options;
        Duration round = o.duration("warmup", "20s", "10s");
        if (round.isZero()) {
            return;
        }
        double quiet = Double.parseDouble(o.text("warm-jit", "0.10"));
        long limit = System.nanoTime() + o.duration("warm-limit", "240s", "0s").toNanos();
        int concurrency = 8;
        Stats stats = new Stats("requests");
        try (Http http = bench.http(bench.gatewayUri, concurrency)) {
            String idleAt = idleTable(bench, http);
            int rounds = 0;
            double jit;
            do {
                Load.Phase phase = Load.closedLoop(bench.vertx, "JVM warm-up", concurrency, Duration.ZERO, round,
                        List.of(stats), i -> mix(bench, http, stats, idleAt, i), bench.progress, bench.cpu);
                rounds++;
                jit = phase.cpu().jitCores();
                bench.progress.status("JVM warm-up", String.format(Locale.ROOT,
                        "round %d: JIT compilers %.2f cores", rounds, jit));
            } while (jit > quiet && System.nanoTime() < limit);
            bench.facts.put("JVM warm-up", String.format(Locale.ROOT, "%d round(s) of %d s of mixed requests;"
                    + " the gateway's JIT compiler threads in the last: %.2f cores (goal %.2f)", rounds,
                    round.toSeconds(), jit, quiet));
        }
        if (stats.errors() > 0) {
            bench.note("JVM warm-up: " + stats.errors() + " of " + (stats.ok() + stats.errors())
                    + " requests failed: " + stats.errorKinds());
        }
    }

    /** One row in a table nobody else writes: its pulls from the row's {@code updatedAt} are an up-to-date device's. */
    private static String idleTable(Bench bench, Http http) {
        Map<String, String> zumo = Bench.zumoHeaders("warm-idle-" + bench.runId, "OL");
        zumo.put("Content-Type", "application/json");
        Http.Response created = Load.join(http.send(HttpMethod.POST, "/tables/warmidle", zumo,
                new JsonObject().put("id", UUID.randomUUID().toString()).put("text", "idle").toBuffer()),
                Duration.ofSeconds(30));
        if (created.status() != 201) {
            throw new IllegalStateException("JVM warm-up: seeding warmidle answered HTTP " + created.status());
        }
        return created.json().getString("updatedAt");
    }

    /**
     * A device's round: ZUMO insert, conditional update, a page from a watermark, the up-to-date pull of
     * {@code warmidle} (the page at its watermark, then the {@code $skip} page), a native push of 10 and a native pull.
     */
    private static Load.VirtualUser mix(Bench bench, Http http, Stats stats, String idleAt, int user) {
        String device = "warm-" + bench.runId + "-" + user;
        Map<String, String> zumo = Bench.zumoHeaders(device, "OL");
        zumo.put("Content-Type", "application/json");
        Map<String, String> json = Map.of("Content-Type", "application/json");
        String text = Bench.text(100);
        String[] token = {null};
        long[] n = {0};
        return () -> {
            long k = n[0]++;
            String id = UUID.randomUUID().toString();
            CompletableFuture<Http.Response> insert = Http.timed(stats, 201, () -> http.send(HttpMethod.POST,
                    "/tables/warmitem", zumo, new JsonObject().put("id", id).put("text", text)
                            .put("complete", false).toBuffer()));
            return insert.thenCompose(created -> {
                Map<String, String> conditional = new LinkedHashMap<>(zumo);
                conditional.put("If-Match", created.header("ETag"));
                return Http.timed(stats, 200, () -> http.send(HttpMethod.PATCH, "/tables/warmitem/" + id,
                        conditional, new JsonObject().put("id", id).put("text", text).put("complete", true)
                                .toBuffer()));
            }).thenCompose(updated -> Http.timed(stats, 200, () -> http.get(
                    ZumoPulls.pullUri("warmitem", ZumoPulls.EPOCH, (int) (k % 5) * 50), zumo)))
                    .thenCompose(pulled -> Http.timed(stats, 200, () -> http.get(
                            ZumoPulls.pullUri("warmidle", idleAt, 0), zumo)))
                    .thenCompose(boundary -> Http.timed(stats, 200, () -> http.get(
                            ZumoPulls.pullUri("warmidle", idleAt, 1), zumo)))
                    .thenCompose(empty -> {
                        JsonArray operations = new JsonArray();
                        for (int op = 0; op < 10; op++) {
                            operations.add(Bench.insert(id + "-" + op, "warmpush", id + "-" + op,
                                    new JsonObject().put("text", text).put("complete", false)));
                        }
                        return Http.timed(stats, 200, () -> http.send(HttpMethod.POST, "/sync/v1/devices/"
                                + device + "/push", json, new JsonObject().put("operations", operations)
                                        .toBuffer()));
                    })
                    .thenCompose(pushed -> Http.timed(stats, 200, () -> http.get(
                            Propagation.pullUri(device, "warmpush", token[0]), Map.of())))
                    .thenApply(page -> {
                        token[0] = page.json().getString("token");
                        return page;
                    });
        };
    }
}
