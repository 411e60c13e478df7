package io.edgesync.bench;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

/**
 * Scenario 1: ZUMO single-operation writes as the JS client pushes them (docs/protocol.md 6.3): each device inserts a
 * new item ({@code POST /tables/todoitem}), then updates it with the version it got ({@code PATCH} with
 * {@code If-Match}). Every request is one durable commit on both servers.
 */
final class ZumoWrites {

    static final String SCENARIO = "1 ZUMO insert+update";
    static final String TABLE = "todoitem";

    private ZumoWrites() {
    }

    static void run(Bench bench, String system, URI uri) {
        BenchOptions o = bench.options;
        List<Integer> levels = o.integers("s1.concurrency", "16,64", "32");
        Duration warmup = o.duration("s1.warmup", "5s", "3s");
        Duration duration = o.duration("s1.duration", "15s", "8s");
        int size = o.integer("s1.size", 100, 100);
        // More than one table spreads the devices over todoitem, todoitem_1, ... (EdgeSync only: a diagnostic of
        // per-table serialisation; the reference server declares todoitem only).
        int tables = system.equals(Result.EDGESYNC) ? o.integer("s1.tables", 1, 1) : 1;
        for (int concurrency : levels) {
            Stats inserts = new Stats("insert");
            Stats updates = new Stats("update");
            try (Http http = bench.http(uri, concurrency)) {
                String tag = bench.runId + "-" + (system.equals(Result.EDGESYNC) ? "e" : "n") + concurrency;
                Load.Phase phase = Load.closedLoop(bench.vertx, SCENARIO + " " + system + " c=" + concurrency,
                        concurrency, warmup, duration, List.of(inserts, updates),
                        i -> device(http, "s1-" + tag + "-" + i, i % tables == 0 ? TABLE : TABLE + "_" + (i % tables), size,
                                inserts, updates), bench.progress, bench.cpu);
                String note = "one POST then one PATCH with If-Match per item; every request one durable commit"
                        + (tables > 1 ? "; devices spread over " + tables + " tables" : "");
                bench.add(Result.of(SCENARIO, system, "insert (POST)", concurrency, phase, inserts, "", ""));
                bench.add(Result.of(SCENARIO, system, "update (PATCH If-Match)", concurrency, phase, updates, "", ""));
                bench.add(Result.of(SCENARIO, system, "insert+update", concurrency, phase,
                        Stats.merge("all", List.of(inserts, updates)), "", note));
            }
        }
    }

    /** One device: insert an item, update it with its version, repeat. */
    private static Load.VirtualUser device(Http http, String deviceId, String table, int size, Stats inserts,
            Stats updates) {
        Map<String, String> headers = Bench.zumoHeaders(deviceId, "OL");
        headers.put("Content-Type", "application/json");
        String text = Bench.text(size);
        long[] counter = {0};
        return () -> {
            String id = UUID.randomUUID().toString();
            long n = counter[0]++;
            Buffer insert = new JsonObject().put("id", id)
                    .put("text", text)
                    .put("complete", false)
                    .put("n", n)
                    .toBuffer();
            return Http.timed(inserts, 201, () -> http.send(HttpMethod.POST, "/tables/" + table, headers, insert))
                    .thenCompose(created -> {
                        String etag = created.header("ETag");
                        if (etag == null) {
                            updates.failure("insert answered without ETag");
                            return CompletableFuture.failedFuture(new Http.StepFailed("no ETag"));
                        }
                        Map<String, String> conditional = new java.util.LinkedHashMap<>(headers);
                        conditional.put("If-Match", etag);
                        Buffer update = new JsonObject().put("id", id)
                                .put("text", text)
                                .put("complete", true)
                                .put("n", n)
                                .toBuffer();
                        return Http.timed(updates, 200,
                                () -> http.send(HttpMethod.PATCH, "/tables/" + table + "/" + id, conditional, update));
                    });
        };
    }
}
