package io.edgesync.bench;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Scenario 3: native batch push. Each device sends {@code POST /sync/v1/devices/{id}/push} with batches of new items
 * (default 100 operations); a batch is applied in one transaction, each operation queued with its outcome.
 */
final class NativePush {

    static final String SCENARIO = "3 native batch push";

    private NativePush() {
    }

    static void run(Bench bench, URI uri) {
        BenchOptions o = bench.options;
        int concurrency = o.integer("s3.concurrency", 8, 8);
        int batch = o.integer("s3.batch", 100, 100);
        int size = o.integer("s3.size", 100, 100);
        Duration warmup = o.duration("s3.warmup", "5s", "3s");
        Duration duration = o.duration("s3.duration", "20s", "8s");
        int tables = o.integer("s3.tables", 1, 1);
        Stats batches = new Stats("batch");
        try (Http http = bench.http(uri, concurrency)) {
            Load.Phase phase = Load.closedLoop(bench.vertx, SCENARIO, concurrency, warmup, duration, List.of(batches),
                    i -> device(http, "s3-" + bench.runId + "-" + i, i % tables == 0 ? "pushitem" : "pushitem_" + (i % tables),
                            batch, size, batches), bench.progress, bench.cpu);
            bench.add(Result.of(SCENARIO, Result.EDGESYNC, "push of " + batch + " inserts", concurrency, phase, batches,
                    "ops", "one transaction per batch: records, outbox events and queue entries"
                            + (tables > 1 ? "; devices spread over " + tables + " tables" : "")));
        }
    }

    private static Load.VirtualUser device(Http http, String deviceId, String table, int batch, int size,
            Stats batches) {
        Map<String, String> headers = Map.of("Content-Type", "application/json", "Accept", "application/json");
        String text = Bench.text(size);
        String uri = "/sync/v1/devices/" + deviceId + "/push";
        long[] counter = {0};
        return () -> {
            JsonArray operations = new JsonArray();
            for (int k = 0; k < batch; k++) {
                String id = UUID.randomUUID().toString();
                long n = counter[0]++;
                operations.add(Bench.insert(deviceId + "-" + n, table, id,
                        new JsonObject().put("text", text).put("complete", false).put("n", n)));
            }
            Buffer body = new JsonObject().put("operations", operations).toBuffer();
            return Http.timed(batches, 200, () -> http.send(HttpMethod.POST, uri, headers, body))
                    .thenApply(response -> {
                        JsonArray results = response.json().getJsonArray("results");
                        long applied = 0;
                        for (int k = 0; k < results.size(); k++) {
                            if ("applied".equals(results.getJsonObject(k).getString("status"))) {
                                applied++;
                            }
                        }
                        batches.addUnits(applied);
                        if (applied != batch) {
                            batches.failure((batch - applied) + " operations of a batch not applied");
                        }
                        return response;
                    });
        };
    }
}
