package io.edgesync.bench;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Scenario 2: ZUMO incremental pulls exactly as the JS client sends them (docs/protocol.md 6.5):
 * {@code GET /tables/t?$filter=(updatedAt ge datetimeoffset'W')&$orderby=updatedAt&$top=50&__includeDeleted=true}, with
 * {@code $skip} over rows at the watermark. <ul> <li>no change: a device that is up to date pulls; the page at its
 * watermark holds the row(s) it already has, so it asks again with {@code $skip} and gets an empty page. Both requests
 * are measured. <li>50-row pages: devices pull the whole table from the epoch, page by page (each page 50 rows), and
 * start over. </ul>
 */
final class ZumoPulls {

    static final String SCENARIO = "2 ZUMO pull";
    static final String EPOCH = "1969-12-31T00:00:00.000Z";

    private ZumoPulls() {
    }

    /** Seeds the table to pull: {@code rows} items through the table API, as devices would have written them. */
    static String seed(Bench bench, String system, URI uri) {
        int rows = bench.options.integer("s2.rows", 5000, 1000);
        int size = bench.options.integer("s2.size", 100, 100);
        String table = "pullitem";
        try (Http http = bench.http(uri, 16)) {
            Map<String, String> headers = Bench.zumoHeaders("s2-seed-" + bench.runId, "OL");
            headers.put("Content-Type", "application/json");
            String text = Bench.text(size);
            long failed = Load.bounded(bench.vertx, 16, rows, n -> {
                Buffer body = new JsonObject().put("id", UUID.randomUUID().toString())
                        .put("text", text)
                        .put("complete", n % 2 == 0)
                        .put("n", n)
                        .toBuffer();
                return http.send(HttpMethod.POST, "/tables/" + table, headers, body).thenApply(r -> {
                    if (r.status() != 201) {
                        throw new Http.StepFailed("HTTP " + r.status());
                    }
                    return r;
                });
            }, bench.progress, "2 seed " + system + " " + rows + " rows");
            if (failed > 0) {
                bench.note("Scenario 2 seeding on " + system + ": " + failed + " of " + rows + " inserts failed");
            }
        }
        return table;
    }

    static void run(Bench bench, String system, URI uri, String table) {
        BenchOptions o = bench.options;
        int concurrency = o.integer("s2.concurrency", 32, 32);
        Duration warmup = o.duration("s2.warmup", "3s", "2s");
        Duration duration = o.duration("s2.duration", "15s", "6s");
        String tag = bench.runId + "-" + (system.equals(Result.EDGESYNC) ? "e" : "n");
        try (Http http = bench.http(uri, concurrency)) {
            String watermark = latestUpdatedAt(http, table);

            Stats boundary = new Stats("boundary page");
            Stats empty = new Stats("empty page");
            Load.Phase idle = Load.closedLoop(bench.vertx, SCENARIO + " no-change " + system, concurrency, warmup,
                    duration, List.of(boundary, empty),
                    i -> upToDateDevice(http, table, "s2-idle-" + tag + "-" + i, watermark, boundary, empty),
                    bench.progress, bench.cpu);
            bench.add(Result.of(SCENARIO, system, "no-change pull: page at watermark", concurrency, idle, boundary,
                    "", "returns the row(s) the device already has"));
            bench.add(Result.of(SCENARIO, system, "no-change pull: $skip page", concurrency, idle, empty, "",
                    "returns nothing"));
            bench.add(Result.of(SCENARIO, system, "no-change pull (request)", concurrency, idle,
                    Stats.merge("all", List.of(boundary, empty)), "",
                    "both requests of an up-to-date JS client's pull; a pull is two requests"));

            Stats full = new Stats("50-row page");
            Stats other = new Stats("other page");
            Load.Phase paging = Load.closedLoop(bench.vertx, SCENARIO + " 50-row pages " + system, concurrency, warmup,
                    duration, List.of(full, other),
                    i -> pagingDevice(http, table, "s2-page-" + tag + "-" + i, full, other), bench.progress,
                    bench.cpu);
            bench.add(Result.of(SCENARIO, system, "50-row page pull", concurrency, paging, full, "rows",
                    "JS client paging from the epoch over the seeded table; the row at the watermark repeats"));
        }
    }

    private static String latestUpdatedAt(Http http, String table) {
        Http.Response response = Load.join(http.get("/tables/" + table + "?$orderby=updatedAt%20desc&$top=1",
                Bench.zumoHeaders("s2-probe", "QS")), Duration.ofSeconds(30));
        JsonArray rows = response.jsonArray();
        if (rows.isEmpty()) {
            throw new IllegalStateException("Table " + table + " is empty");
        }
        return rows.getJsonObject(0).getString("updatedAt");
    }

    static String pullUri(String table, String watermark, int skip) {
        String literal = URLEncoder.encode(watermark, StandardCharsets.UTF_8);
        return "/tables/" + table + "?$filter=(updatedAt%20ge%20datetimeoffset'" + literal
                + "')&$orderby=updatedAt" + (skip > 0 ? "&$skip=" + skip : "") + "&$top=50&__includeDeleted=true";
    }

    private static Load.VirtualUser upToDateDevice(Http http, String table, String deviceId, String watermark,
            Stats boundary, Stats empty) {
        Map<String, String> headers = Bench.zumoHeaders(deviceId, "OL,IP");
        return () -> Http.timed(boundary, 200, () -> http.get(pullUri(table, watermark, 0), headers))
                .thenCompose(first -> {
                    JsonArray rows = first.jsonArray();
                    if (rows.isEmpty()
                            || !watermark.equals(rows.getJsonObject(rows.size() - 1).getString("updatedAt"))) {
                        boundary.failure("page at the watermark did not end at the watermark");
                        return CompletableFuture.failedFuture(new Http.StepFailed("unexpected page"));
                    }
                    return Http.timed(empty, 200, () -> http.get(pullUri(table, watermark, rows.size()), headers))
                            .thenApply(second -> {
                                if (!second.jsonArray().isEmpty()) {
                                    empty.failure("$skip page not empty");
                                }
                                return second;
                            });
                });
    }

    private static Load.VirtualUser pagingDevice(Http http, String table, String deviceId, Stats full, Stats other) {
        Map<String, String> headers = Bench.zumoHeaders(deviceId, "OL,IP");
        String[] watermark = {EPOCH};
        int[] skip = {0};
        // A page of 50 is only known after it came back: time into a scratch stats, then file the sample.
        return () -> {
            long start = System.nanoTime();
            return http.get(pullUri(table, watermark[0], skip[0]), headers).handle((response, failure) -> {
                long took = System.nanoTime() - start;
                if (failure != null || response.status() != 200) {
                    full.failure(failure != null ? Http.describe(failure) : "HTTP " + response.status());
                    return null;
                }
                JsonArray rows = response.jsonArray();
                Stats target = rows.size() == 50 ? full : other;
                target.success(took, rows.size());
                if (rows.isEmpty()) {
                    watermark[0] = EPOCH;
                    skip[0] = 0;
                } else {
                    String last = rows.getJsonObject(rows.size() - 1).getString("updatedAt");
                    if (last.equals(watermark[0])) {
                        skip[0] += rows.size();
                    } else {
                        watermark[0] = last;
                        skip[0] = 0;
                    }
                }
                return null;
            });
        };
    }

}
