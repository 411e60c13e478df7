package io.edgesync.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Warms the gateway's JVM before anything is measured: a mix of every request kind the scenarios send (ZUMO insert,
 * update, pull; native push and pull), on a table of its own, so that the JIT has compiled the hot paths and the first
 * scenario is not measured against an interpreter. Not reported.
 */
final class Warmup {

    private Warmup() {
    }

    static void run(Bench bench) {
        Duration duration = bench.options.duration("warmup", "30s", "10s");
        if (duration.isZero()) {
            return;
        }
        int concurrency = 8;
        Stats stats = new Stats("requests");
        try (Http http = bench.http(bench.gatewayUri, concurrency)) {
            Load.closedLoop(bench.vertx, "JVM warm-up", concurrency, Duration.ZERO, duration, List.of(stats), i -> {
                String device = "warm-" + bench.runId + "-" + i;
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
                        Map<String, String> conditional = new java.util.LinkedHashMap<>(zumo);
                        conditional.put("If-Match", created.header("ETag"));
                        return Http.timed(stats, 200, () -> http.send(HttpMethod.PATCH, "/tables/warmitem/" + id,
                                conditional, new JsonObject().put("id", id).put("text", text).put("complete", true)
                                        .toBuffer()));
                    }).thenCompose(updated -> Http.timed(stats, 200, () -> http.get(
                            ZumoPulls.pullUri("warmitem", ZumoPulls.EPOCH, (int) (k % 5) * 50), zumo)))
                            .thenCompose(pulled -> {
                                JsonArray operations = new JsonArray();
                                for (int op = 0; op < 10; op++) {
                                    operations.add(Bench.insert(id + "-" + op, "warmpush", id + "-" + op,
                                            new JsonObject().put("text", text).put("complete", false)));
                                }
                                return Http.timed(stats, 200, () -> http.send(HttpMethod.POST, "/sync/v1/devices/"
                                        + device + "/push", json,
                                        new JsonObject().put("operations", operations).toBuffer()));
                            })
                            .thenCompose(pushed -> Http.timed(stats, 200, () -> http.get(
                                    Propagation.pullUri(device, "warmpush", token[0]), Map.of())))
                            .thenApply(page -> {
                                token[0] = page.json().getString("token");
                                return page;
                            });
                };
            }, bench.progress, bench.cpu);
        }
        if (stats.errors() > 0) {
            bench.note("JVM warm-up: " + stats.errors() + " of " + (stats.ok() + stats.errors())
                    + " requests failed: " + stats.errorKinds());
        }
    }
}
