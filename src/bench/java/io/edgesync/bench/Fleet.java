package io.edgesync.bench;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Scenario 6: a fleet on one instance. Registers {@code devices} devices with replica state (each makes its first
 * native pull), then opens {@code streams} change streams (SSE) and keeps them open, and measures the gateway's memory
 * (live heap after a full collection, resident size) at each step, how long a change takes to reach every open stream,
 * and the latency of ordinary requests meanwhile.
 */
final class Fleet {

    static final String SCENARIO = "6 fleet";
    private static final double MIB = 1024.0 * 1024.0;

    private Fleet() {
    }

    static void run(Bench bench, GatewayProcess gateway) {
        BenchOptions o = bench.options;
        int devices = o.integer("s6.devices", 100_000, 5_000);
        int streams = o.integer("s6.streams", 10_000, 1_000);
        int concurrency = o.integer("s6.concurrency", 64, 64);
        Duration duration = o.duration("s6.duration", "10s", "5s");
        int rounds = o.integer("s6.rounds", 5, 3);
        String table = "fleetitem";
        String prefix = "f-" + bench.runId + "-";
        URI uri = gateway.uri();
        Map<String, String> json = Map.of("Content-Type", "application/json", "Accept", "application/json");

        try (Http http = bench.http(uri, concurrency)) {
            Http.Response seeded = Load.join(http.send(HttpMethod.POST, "/sync/v1/devices/" + prefix + "writer/push",
                    json, push(table, "w0")), Duration.ofSeconds(30));
            if (seeded.status() != 200) {
                throw new IllegalStateException("fleet seed failed: HTTP " + seeded.status());
            }
            memory(bench, gateway, "before registration");

            // 1. Register the fleet: each device's first pull creates it and its replica row.
            Stats register = new Stats("register");
            CpuMeter.Snapshot before = bench.cpu.snapshot();
            long start = System.nanoTime();
            long failed = Load.bounded(bench.vertx, concurrency, devices,
                    n -> Http.timed(register, 200, () -> http.get("/sync/v1/devices/" + prefix + n + "/pull?table="
                            + table + "&limit=1", json)),
                    bench.progress, SCENARIO + " register " + devices + " devices");
            double seconds = (System.nanoTime() - start) / 1e9;
            bench.add(Result.of(SCENARIO, Result.EDGESYNC, "register device (first native pull)", concurrency,
                    new Load.Phase(seconds, bench.cpu.usage(before, bench.cpu.snapshot())), register, "",
                    devices + " devices, " + failed + " failed"));
            memory(bench, gateway, "after " + devices + " devices");

            // 2. Open the streams and keep them open.
            List<SseClient> open = new CopyOnWriteArrayList<>();
            Stats opening = new Stats("open stream");
            FanOut fanOut = new FanOut();
            try (Http sse = bench.http(uri, streams + 16)) {
                before = bench.cpu.snapshot();
                start = System.nanoTime();
                long openFailed = Load.bounded(bench.vertx, 100, streams, n -> {
                    long t0 = System.nanoTime();
                    CompletableFuture<Void> ready = new CompletableFuture<>();
                    return SseClient.open(sse, "/sync/v1/devices/" + prefix + n + "/events?tables=" + table, event -> {
                        if (event.name().equals("ready")) {
                            opening.success(event.receivedNanos() - t0, 1);
                            ready.complete(null);
                        } else if (event.name().equals("change")) {
                            fanOut.received(n, event.receivedNanos());
                        }
                    }).thenCompose(client -> {
                        if (client.status() != 200) {
                            opening.failure("HTTP " + client.status());
                            client.close();
                            return CompletableFuture.failedFuture(new Http.StepFailed("HTTP " + client.status()));
                        }
                        open.add(client);
                        return ready.orTimeout(30, java.util.concurrent.TimeUnit.SECONDS);
                    }).whenComplete((ignored, failure) -> {
                        if (failure != null && !(failure instanceof Http.StepFailed)
                                && !(failure.getCause() instanceof Http.StepFailed)) {
                            opening.failure(Http.describe(failure));
                        }
                    });
                }, bench.progress, SCENARIO + " open " + streams + " SSE streams");
                seconds = (System.nanoTime() - start) / 1e9;
                bench.add(Result.of(SCENARIO, Result.EDGESYNC, "open SSE stream (until 'ready')", 100,
                        new Load.Phase(seconds, bench.cpu.usage(before, bench.cpu.snapshot())), opening, "",
                        streams + " streams, " + openFailed + " failed"));
                GatewayProcess.sleep(1000);
                long alive = open.stream().filter(c -> !c.ended()).count();
                bench.facts.put("scenario 6 streams open", alive + " of " + streams + " (gateway gauge: "
                        + GatewayProcess.gauge(uri, "edgesync_sse_connections") + ")");
                memory(bench, gateway, "with " + devices + " devices and " + alive + " open streams");

                // 3. Fan-out: one change, announced on every open stream.
                Stats fan = new Stats("fan-out");
                before = bench.cpu.snapshot();
                start = System.nanoTime();
                for (int round = 1; round <= rounds; round++) {
                    fanOut.begin(round, (int) alive, fan);
                    Load.join(http.send(HttpMethod.POST, "/sync/v1/devices/" + prefix + "writer/push", json,
                            push(table, "w" + round)), Duration.ofSeconds(30));
                    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (fanOut.pending() > 0 && System.nanoTime() < deadline) {
                        bench.progress.status(SCENARIO + " fan-out round " + round,
                                fanOut.pending() + " streams still waiting");
                        GatewayProcess.sleep(50);
                    }
                    for (int k = 0; k < fanOut.pending(); k++) {
                        fan.failure("no change event within 30 s");
                    }
                    GatewayProcess.sleep(1000);
                }
                bench.progress.phaseDone();
                seconds = (System.nanoTime() - start) / 1e9;
                bench.add(Result.of(SCENARIO, Result.EDGESYNC, "write -> change event on every stream", streams,
                        new Load.Phase(seconds, bench.cpu.usage(before, bench.cpu.snapshot())), fan, "",
                        rounds + " writes, each announced to " + alive + " streams; latency per stream from the push"));

                // 4. Ordinary requests with the fleet in place: up-to-date devices pulling.
                Stats pulls = new Stats("no-change pull");
                Load.Phase phase = Load.closedLoop(bench.vertx, SCENARIO + " pulls with streams open", concurrency,
                        Duration.ofSeconds(2), duration, List.of(pulls), i -> upToDate(http, prefix + i, table, pulls),
                        bench.progress, bench.cpu);
                bench.add(Result.of(SCENARIO, Result.EDGESYNC, "no-change native pull, streams open", concurrency,
                        phase, pulls, "", "devices already registered, pulling with their token"));
                open.forEach(SseClient::close);
            }
        }
        GatewayProcess.sleep(3000);
        bench.facts.put("scenario 6 streams the gateway still counts 3 s after the clients closed theirs",
                GatewayProcess.gauge(uri, "edgesync_sse_connections"));
        memory(bench, gateway, "after the streams closed");
    }

    private static Load.VirtualUser upToDate(Http http, String device, String table, Stats pulls) {
        String[] token = {null};
        return () -> {
            String uri = Propagation.pullUri(device, table, token[0]);
            return Http.timed(pulls, 200, () -> http.get(uri, Map.of("Accept", "application/json")))
                    .thenApply(response -> {
                        token[0] = response.json().getString("token");
                        return response;
                    });
        };
    }

    private static Buffer push(String table, String operationId) {
        return new JsonObject().put("operations", new JsonArray().add(Bench.insert(operationId, table, operationId,
                new JsonObject().put("text", "fleet change " + operationId).put("complete", false))))
                .toBuffer();
    }

    private static void memory(Bench bench, GatewayProcess gateway, String when) {
        long live = gateway.liveHeapBytes();
        long rss = gateway.residentBytes();
        String text = String.format(Locale.ROOT,
                "live heap %.0f MiB, committed heap %.0f MiB, RSS %.0f MiB, %d threads",
                live / MIB, gateway.committedHeapBytes() / MIB, rss / MIB, gateway.threadCount());
        bench.facts.put("scenario 6 gateway memory " + when, text);
        bench.progress.log("  gateway memory " + when + ": " + text);
    }

    /** Which streams have seen the current round's change, and when. */
    private static final class FanOut {
        private volatile int round;
        private volatile long startNanos;
        private volatile Stats stats;
        private final java.util.concurrent.ConcurrentHashMap<Long, Integer> seen = new java.util.concurrent.ConcurrentHashMap<>();
        private final AtomicInteger pending = new AtomicInteger();

        void begin(int round, int streams, Stats stats) {
            this.stats = stats;
            this.startNanos = System.nanoTime();
            this.pending.set(streams);
            this.round = round;
        }

        void received(long stream, long nanos) {
            int current = round;
            if (current == 0) {
                return;
            }
            Integer before = seen.put(stream, current);
            if (before == null || before < current) {
                stats.success(nanos - startNanos, 1);
                pending.decrementAndGet();
            }
        }

        int pending() {
            return Math.max(0, pending.get());
        }
    }
}
