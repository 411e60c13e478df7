package io.edgesync.bench;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** What the scenarios share: the load generator, the servers under test, and the report being built. */
final class Bench {

    final BenchOptions options;
    final Vertx vertx;
    final Progress progress;
    final CpuMeter cpu = new CpuMeter();
    final Path outDir;
    final List<Result> results = new ArrayList<>();
    final List<Report.Target> targets = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    final Map<String, Object> facts = new LinkedHashMap<>();

    /** The gateway under test; empty with {@code --url}. */
    Optional<GatewayProcess> gateway = Optional.empty();
    URI gatewayUri;
    /** The Node.js reference server, when Node.js is present and not switched off. */
    Optional<NodeReference> node = Optional.empty();
    /** Steps run so far (for naming the settle facts). */
    int settles;
    /** Tag of this run: table names and device ids include it so that runs against one server do not collide. */
    final String runId = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);

    Bench(BenchOptions options, Vertx vertx, Progress progress, Path outDir) {
        this.options = options;
        this.vertx = vertx;
        this.progress = progress;
        this.outDir = outDir;
    }

    Http http(URI uri, int connections) {
        return new Http(vertx, uri, connections, Integer.parseInt(options.text("client-threads", "1")));
    }

    void add(Result result) {
        results.add(result);
        progress.log(Report.oneLine(result));
    }

    void note(String text) {
        notes.add(text);
        progress.log("  NOTE " + text);
    }

    Optional<Result> find(String scenario, String system, String name) {
        return results.stream()
                .filter(r -> r.scenario().equals(scenario) && r.system().equals(system) && r.name().equals(name))
                .findFirst();
    }

    /** A text of {@code size} characters, as a device's note would be. */
    static String text(int size) {
        StringBuilder text = new StringBuilder(size);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (text.length() < size) {
            text.append((char) ('a' + random.nextInt(26)));
            if (random.nextInt(7) == 0 && text.length() < size) {
                text.append(' ');
            }
        }
        return text.toString();
    }

    /** A native push's insert of {@code item} as row {@code id} of {@code table}. */
    static JsonObject insert(String operationId, String table, String id, JsonObject item) {
        return new JsonObject().put("operationId", operationId)
                .put("table", table)
                .put("kind", "insert")
                .put("id", id)
                .put("item", item);
    }

    /** The headers the Azure Mobile Apps JS client sends (docs/protocol.md 1.3). */
    static Map<String, String> zumoHeaders(String deviceId, String features) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("ZUMO-API-VERSION", "2.0.0");
        headers.put("X-ZUMO-INSTALLATION-ID", deviceId);
        headers.put("X-ZUMO-VERSION", "ZUMO/2.0 (lang=Web; os=--; os_version=--; arch=--; version=2.0.1)");
        headers.put("X-ZUMO-FEATURES", features);
        headers.put("Accept", "application/json");
        return headers;
    }
}
