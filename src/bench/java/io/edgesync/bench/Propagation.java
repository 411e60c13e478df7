package io.edgesync.bench;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

/**
 * Scenario 5: end-to-end propagation between two edges. Writes go to edge 1 (the harness's gateway, role {@code all}:
 * edge 1 and the central service) at a fixed offered rate; edge 2 (a second process, role {@code edge}, its own
 * database on the same PostgreSQL server, the same Kafka) gets them through Kafka and central. On edge 2 a device keeps
 * the change stream (SSE) open and pulls whenever it announces a change, as the native client does.
 *
 * <p> Latencies run from each write's intended send time (open loop, so a slow server cannot hide queueing) to: the
 * push's answer on edge 1; the SSE announcement on edge 2 that led to the pull that brought the row; the row's arrival
 * in that pull.
 */
final class Propagation {

    static final String SCENARIO = "5 propagation";
    private static final Duration SETTLE = Duration.ofSeconds(30);

    private Propagation() {
    }

    /** The line of the propagation measured at {@code rate} offered operations per second. */
    static String pulledLine(int rate) {
        return String.format(Locale.ROOT, "write -> row pulled on edge 2 at %,d ops/s", rate);
    }

    static void run(Bench bench, GatewayProcess edge1, Path appDir) throws Exception {
        BenchOptions o = bench.options;
        // The rate sweep: one measurement per offered rate, from the lowest, so that the knee shows.
        List<Integer> rates = o.integers("s5.rates", "500,1000,2000", "1000");
        int pgPort = edge1.postgresPort().orElseThrow();
        String kafka = edge1.kafkaBootstrap().orElseThrow(() -> new IllegalStateException("edge 1 has no Kafka"));
        String database = "bench_edge2_" + bench.runId;

        Pool admin = Pg.pool(bench.vertx, pgPort, edge1.database(), 1);
        try {
            Pg.execute(admin, "CREATE DATABASE " + database, Duration.ofSeconds(60));
        } finally {
            admin.close();
        }
        bench.progress.status(SCENARIO, "starting edge 2");
        Map<String, String> props = GatewayProcess.edgeProperties("edge2", pgPort, database, kafka);
        props.putAll(o.withPrefix("edge2-prop."));
        String heap = o.text("s5.edge2-heap", "512m");
        try (GatewayProcess edge2 = GatewayProcess.start("edge2", appDir, bench.outDir, heap, List.of(), props);
                Http writer = bench.http(edge1.uri(), 64);
                Http reader = bench.http(edge2.uri(), 4)) {
            bench.cpu.track("edge 2", edge2.pid());
            String pushUri = "/sync/v1/devices/s5-writer-" + bench.runId + "-0/push";
            Map<String, String> json = Map.of("Content-Type", "application/json", "Accept", "application/json");

            // Warm the path: a first write must come out on edge 2 before anything is measured.
            bench.progress.status(SCENARIO, "waiting for a first write to reach edge 2 (Kafka, central)");
            Http.Response first = Load.join(writer.send(HttpMethod.POST, pushUri, json,
                    pushBody(TABLE, List.of("probe-" + bench.runId), "probe", "probe")), Duration.ofSeconds(30));
            if (first.status() != 200) {
                throw new IllegalStateException("edge 1 push failed: HTTP " + first.status() + " " + first.text());
            }
            String puller = "s5-puller-" + bench.runId;
            AtomicReference<PullLoop> pulls = new AtomicReference<>(new PullLoop(reader, puller, TABLE,
                    awaitRow(bench, reader, puller, TABLE, "probe-" + bench.runId, Duration.ofMinutes(2)),
                    new ConcurrentHashMap<>(), Long.MAX_VALUE, new Stats("-"), new Stats("-")));
            SseClient sse = Load.join(SseClient.open(reader, "/sync/v1/devices/s5-sse-" + bench.runId
                    + "/events?tables=" + TABLE, event -> {
                        if (event.name().equals("change")) {
                            pulls.get().trigger(event.receivedNanos());
                        }
                    }), Duration.ofSeconds(30));
            if (sse.status() != 200) {
                throw new IllegalStateException("edge 2 events: HTTP " + sse.status());
            }
            GatewayProcess.sleep(500);
            try {
                warmUp(bench, edge1, writer, reader, pulls, rates.get(0));
                for (int rate : rates) {
                    measure(bench, edge1, writer, reader, pulls, rate, false);
                }
                burst(bench, edge1, writer, pulls, database);
            } finally {
                sse.close();
                bench.cpu.untrack("edge 2");
            }
        }
    }

    /**
     * Runs the first rate unmeasured ({@code s5.edge2-warmup} per round) until the JIT compilers of edge 1's and edge 2's
     * JVMs are nearly done ({@code s5.warm-jit}, cores of both together in a round) or {@code s5.warm-limit} has
     * passed. Edge 2 starts cold, and edge 1 may not have run the central service's code yet: on two cores a JVM goes
     * on compiling for minutes (observed: 0.4 of a gateway's 0.85 cores at 100 ops/s), and what it takes then would be
     * counted against the pipeline, which a long-running gateway does not pay.
     */
    private static void warmUp(Bench bench, GatewayProcess edge1, Http writer, Http reader,
            AtomicReference<PullLoop> pulls, int rate) {
        BenchOptions o = bench.options;
        double quiet = Double.parseDouble(o.text("s5.warm-jit", "0.15"));
        long limit = System.nanoTime() + o.duration("s5.warm-limit", "240s", "0s").toNanos();
        int rounds = 0;
        double jit;
        do {
            CpuMeter.Usage used = measure(bench, edge1, writer, reader, pulls, rate, true);
            rounds++;
            jit = used.jitCores();
            bench.progress.status(SCENARIO, String.format(Locale.ROOT, "warm-up round %d: JIT compilers %.2f cores",
                    rounds, jit));
        } while (jit > quiet && System.nanoTime() < limit);
        bench.facts.put("scenario 5 warm-up", String.format(Locale.ROOT, "%d unmeasured round(s) at %,d ops/s;"
                + " JIT compiler threads of edge 1 and edge 2 in the last: %.2f cores (goal %.2f)", rounds, rate, jit,
                quiet));
    }

    private static final String TABLE = "propitem";
    /** The topic edges publish their CUD events to (the gateway's default). */
    private static final String CUD_TOPIC = "edgesync.cud";
    private static final AtomicInteger PHASES = new AtomicInteger();

    /**
     * Writes at {@code rate} through edge 1 and follows each row to edge 2; adds the lines of that rate, unless this is
     * a warm-up round ({@code s5.edge2-warmup}, nothing measured). Returns the CPU used while writing.
     */
    private static CpuMeter.Usage measure(Bench bench, GatewayProcess edge1, Http writer, Http reader,
            AtomicReference<PullLoop> pulls, int rate, boolean warmingUp) {
        BenchOptions o = bench.options;
        int batch = o.integer("s5.batch", 10, 10);
        String text = Bench.text(o.integer("s5.size", 100, 100));
        // Writers: a device pushes its batches one after the other (its queue's order), so the offered rate is spread
        // over several devices, as the changes of many users are.
        int writers = o.integer("s5.devices", 20, 20);
        Duration warmup = warmingUp ? Duration.ZERO : o.duration("s5.warmup", "5s", "2s");
        Duration duration = warmingUp
                ? o.duration("s5.edge2-warmup", "20s", "5s")
                : o.duration("s5.duration", "30s", "6s");
        Map<String, String> json = Map.of("Content-Type", "application/json", "Accept", "application/json");
        // (a rate's ids are its own, also when the sweep repeats a rate)
        String prefix = (warmingUp ? "w" : "r") + rate + "-" + PHASES.incrementAndGet() + "-";

        Stats pushes = new Stats("edge 1 push");
        Stats announced = new Stats("SSE on edge 2");
        Stats visible = new Stats("pulled on edge 2");
        Map<String, Long> sent = new ConcurrentHashMap<>();
        long startNanos = System.nanoTime();
        long measureFrom = startNanos + warmup.toNanos();
        PullLoop loop = new PullLoop(reader, pulls.get().device, TABLE, pulls.get().token, sent, measureFrom,
                announced, visible);
        pulls.set(loop);

        double requestsPerSecond = (double) rate / batch;
        AtomicInteger inFlight = new AtomicInteger();
        bench.progress.phase(SCENARIO + " " + rate + " ops/s" + (warmingUp ? ", warming edge 2 up" : ""), warmup,
                duration, List.of(pushes, visible));
        CpuMeter.Snapshot before = bench.cpu.snapshot();
        StageBacklog backlog = new StageBacklog(edge1.uri(), reader.base());
        Optional<PgStatements> statements = PgStatements.start(bench.vertx, edge1.postgresPort().orElseThrow(),
                edge1.database());
        long requests = Load.openLoop(bench.vertx, requestsPerSecond, warmup.plus(duration), n -> {
            long intended = startNanos + (long) (n / requestsPerSecond * 1e9);
            List<String> ids = new java.util.ArrayList<>(batch);
            for (int k = 0; k < batch; k++) {
                String id = prefix + "p" + n + "-" + k;
                ids.add(id);
                sent.put(id, intended);
            }
            Buffer body = pushBody(TABLE, ids, text, bench.runId + "-" + prefix + n);
            String uri = "/sync/v1/devices/s5-writer-" + bench.runId + "-" + (n % writers) + "/push";
            return writer.send(HttpMethod.POST, uri, json, body).whenComplete((response, failure) -> {
                if (intended >= measureFrom) {
                    recordPush(pushes, response, failure, intended, batch);
                }
            });
        }, inFlight, (int) Math.max(50, requestsPerSecond * 5));
        CpuMeter.Snapshot after = bench.cpu.snapshot();
        backlog.close();
        double sentSeconds = (System.nanoTime() - startNanos) / 1e9;
        boolean overloaded = sentSeconds < warmup.plus(duration).toMillis() / 1000.0 - 0.5;
        if (overloaded) {
            bench.note(String.format(Locale.ROOT, "Scenario 5: edge 1 could not take %,d ops/s: more than 5 s of"
                    + " pushes were outstanding after %.1f s, so the writer stopped early", rate, sentSeconds));
        }
        bench.progress.phaseDone();
        long settleUntil = System.nanoTime() + SETTLE.toNanos();
        while ((!sent.isEmpty() || inFlight.get() > 0) && System.nanoTime() < settleUntil) {
            bench.progress.status(SCENARIO + " settle", String.format(Locale.ROOT,
                    "%,d rows not yet on edge 2, %d pushes in flight", sent.size(), inFlight.get()));
            GatewayProcess.sleep(250);
            loop.trigger(System.nanoTime());
        }
        bench.progress.phaseDone();
        statements.ifPresent(s -> {
            bench.facts.put(String.format(Locale.ROOT, "scenario 5 PostgreSQL statements at %,d ops/s%s (most time"
                    + " first, phase and settling)", rate, warmingUp ? ", warming edge 2 up" : ""), s.top(8));
            s.close();
        });
        CpuMeter.Usage used = bench.cpu.usage(before, after);
        if (warmingUp) {
            return used;
        }
        long missing = sent.values().stream().filter(t -> t >= measureFrom).count();
        for (long i = 0; i < missing; i++) {
            visible.failure("not on edge 2 within " + SETTLE.toSeconds() + " s after the last write");
        }
        bench.facts.put(String.format(Locale.ROOT, "scenario 5 backlog by stage at %,d ops/s", rate),
                backlog.summary());
        // (read after settling: every row of the rate has been applied by now)
        bench.facts.put(String.format(Locale.ROOT, "scenario 5 write at edge 1 -> applied at edge 2 at %,d ops/s",
                rate), backlog.appliedAtEdge2() + " (edge 2's edgesync_changes_propagation_seconds, warm-up included)");
        // How fast the central service worked through this rate's CUD events.
        String fact = String.format(Locale.ROOT, "scenario 5 central service at %,d ops/s", rate);
        Pool central = Pg.pool(bench.vertx, edge1.postgresPort().orElseThrow(), edge1.database(), 1);
        try {
            Row row = Pg.execute(central, """
                    SELECT count(*), EXTRACT(EPOCH FROM max(processed_at) - min(processed_at))
                    FROM central_event WHERE table_name = '%s' AND record_id LIKE '%s%%'"""
                    .formatted(TABLE, prefix), Duration.ofSeconds(30)).iterator().next();
            long events = row.getLong(0);
            double span = row.getValue(1) == null ? 0 : Double.parseDouble(row.getValue(1).toString());
            bench.facts.put(fact, String.format(Locale.ROOT, "processed %,d CUD events in %.1f s (%,.0f events/s)",
                    events, span, span > 0 ? events / span : Double.NaN));
        } catch (RuntimeException e) {
            bench.facts.put(fact, "not read: " + Http.describe(e));
        } finally {
            central.close();
        }
        double seconds = Math.max(0.1, sentSeconds - warmup.toMillis() / 1000.0);
        Load.Phase phase = new Load.Phase(seconds, used);
        String offered = String.format(Locale.ROOT, "offered %,d ops/s as %,.0f pushes/s of %d from %d devices",
                rate, requestsPerSecond, batch, writers);
        String at = String.format(Locale.ROOT, " at %,d ops/s", rate);
        bench.add(Result.of(SCENARIO, Result.EDGESYNC, "write answered by edge 1" + at, batch, phase, pushes, "ops",
                offered + "; latency from intended send time"));
        bench.add(Result.of(SCENARIO, Result.EDGESYNC, "write -> SSE change on edge 2" + at, batch, phase, announced,
                "", "the announcement that triggered the pull that brought the row (upper bound)"));
        bench.add(Result.of(SCENARIO, Result.EDGESYNC, pulledLine(rate), batch, phase, visible, "rows",
                offered + "; " + requests + " pushes sent" + (overloaded ? "; OVERLOADED, stopped early" : "")));
        return used;
    }

    /**
     * The central service's own pace: devices push batches of 100 as fast as edge 1 takes them ({@code s5.burst},
     * 10 s), so central has a backlog to work through, and the rates of edge 1's relay and of central over the burst's
     * events are read from the databases; then every row must reach edge 2.
     */
    private static void burst(Bench bench, GatewayProcess edge1, Http writer, AtomicReference<PullLoop> pulls,
            String edge2Database) {
        BenchOptions o = bench.options;
        int devices = o.integer("s5.burst-devices", 8, 4);
        int batch = 100;
        Duration duration = o.duration("s5.burst", "10s", "3s");
        String text = Bench.text(o.integer("s5.size", 100, 100));
        Map<String, String> json = Map.of("Content-Type", "application/json", "Accept", "application/json");
        Stats pushes = new Stats("edge 1 push");
        Stats visible = new Stats("pulled on edge 2");
        Map<String, Long> sent = new ConcurrentHashMap<>();
        long start = System.nanoTime();
        PullLoop loop = new PullLoop(pulls.get().reader, pulls.get().device, TABLE, pulls.get().token, sent, start,
                new Stats("-"), visible);
        pulls.set(loop);
        AtomicInteger pushed = new AtomicInteger();
        Load.Phase phase = Load.closedLoop(bench.vertx, SCENARIO + " burst", devices, Duration.ZERO, duration,
                List.of(pushes), device -> () -> {
                    int n = pushed.getAndIncrement();
                    List<String> ids = new java.util.ArrayList<>(batch);
                    long intended = System.nanoTime();
                    for (int k = 0; k < batch; k++) {
                        String id = "b" + device + "-" + n + "-" + k;
                        ids.add(id);
                        sent.put(id, intended);
                    }
                    String uri = "/sync/v1/devices/s5-burst-" + bench.runId + "-" + device + "/push";
                    return writer.send(HttpMethod.POST, uri, json, pushBody(TABLE, ids, text, bench.runId + "-b" + n))
                            .whenComplete((response, failure) -> recordPush(pushes, response, failure, intended,
                                    batch));
                }, bench.progress, bench.cpu);
        long settleUntil = System.nanoTime() + BURST_SETTLE.toNanos();
        while (!sent.isEmpty() && System.nanoTime() < settleUntil) {
            bench.progress.status(SCENARIO + " burst settle", String.format(Locale.ROOT, "%,d rows not yet on edge 2",
                    sent.size()));
            GatewayProcess.sleep(250);
            loop.trigger(System.nanoTime());
        }
        bench.progress.phaseDone();
        for (long i = sent.size(); i > 0; i--) {
            visible.failure("not on edge 2 within " + BURST_SETTLE.toSeconds() + " s after the burst");
        }
        Pool db = Pg.pool(bench.vertx, edge1.postgresPort().orElseThrow(), edge1.database(), 1);
        try {
            if (!sent.isEmpty()) {
                bench.facts.put("scenario 5 burst: where the rows not on edge 2 stopped",
                        whereMissing(bench, db, edge1, edge2Database, loop, List.copyOf(sent.keySet())));
            }
            bench.facts.put("scenario 5 burst: edge 1 relay",
                    relayRate(edge1.kafkaBootstrap().orElseThrow(), TABLE + "/b"));
            String central = rate(db, """
                    SELECT count(*), EXTRACT(EPOCH FROM max(processed_at) - min(processed_at)) FROM central_event
                    WHERE table_name = '%s' AND record_id LIKE 'b%%'""".formatted(TABLE), "processed");
            bench.facts.put(BURST_CENTRAL, central);
        } finally {
            db.close();
        }
        String offered = String.format(Locale.ROOT, "%d devices pushing batches of %d back to back for %d s", devices,
                batch, duration.toSeconds());
        bench.add(Result.of(SCENARIO, Result.EDGESYNC, "burst: write answered by edge 1", devices, phase, pushes,
                "ops", offered));
        bench.add(Result.of(SCENARIO, Result.EDGESYNC, "burst: write -> row pulled on edge 2", devices, phase,
                visible, "rows", offered + "; rows per second over the burst's duration, latency from the push"));
    }

    private static final Duration BURST_SETTLE = Duration.ofMinutes(2);

    /**
     * How far the rows that never reached edge 2's puller went: processed by central, published by its relay, in edge 2's
     * cache (and at which change positions, against the puller's token); and edge 2's readiness, which tells its
     * visibility horizon and consumer lag. Read once, after the settle time, so that such a run says where to look.
     */
    private static String whereMissing(Bench bench, Pool central, GatewayProcess edge1, String edge2Database,
            PullLoop loop, List<String> ids) {
        String token = loop.token;
        boolean pulling = loop.running.get();
        Tuple params = Tuple.of(TABLE, (Object) ids.toArray(String[]::new));
        Pool edge2 = Pg.pool(bench.vertx, edge1.postgresPort().orElseThrow(), edge2Database, 1);
        try {
            Row master = Pg.execute(central, """
                    SELECT (SELECT count(*) FROM central_record WHERE table_name = $1 AND id = ANY($2)),
                           (SELECT count(*) FROM central_outbox WHERE table_name = $1 AND record_id = ANY($2)
                                                                  AND sent_at IS NULL)""", params,
                    Duration.ofSeconds(30)).iterator().next();
            Row cached = Pg.execute(edge2, """
                    SELECT count(*), min(change_seq), max(change_seq) FROM sync_record
                    WHERE table_name = $1 AND id = ANY($2)""", params, Duration.ofSeconds(30)).iterator().next();
            String rounds = visibilityRounds(loop.reader);
            String probe = probePull(loop.reader, token);
            GatewayProcess.sleep(2_000);
            rounds += " and 2 s later " + visibilityRounds(loop.reader);
            String readiness;
            try {
                readiness = Load.join(loop.reader.get("/q/health/ready", Map.of()), Duration.ofSeconds(10)).text()
                        .replaceAll("\\s+", " ");
            } catch (RuntimeException e) {
                readiness = "not read: " + Http.describe(e);
            }
            return String.format(Locale.ROOT,
                    "%,d rows; central processed %,d of them, %,d still unpublished in its outbox; "
                            + "edge 2's cache holds %,d (change positions %s to %s; the puller's token %s, %s); "
                            + "a pull at that token by another device now: %s; edge 2's visibility rounds: %s; "
                            + "edge 2's readiness: %s",
                    ids.size(), master.getLong(0), master.getLong(1), cached.getLong(0), cached.getValue(1),
                    cached.getValue(2), token,
                    pulling ? "a pull of it under way" : "no pull of it under way", probe, rounds,
                    readiness);
        } catch (RuntimeException e) {
            return ids.size() + " rows; not read: " + Http.describe(e);
        } finally {
            edge2.close();
        }
    }

    /**
     * What edge 2 answers a pull at the stalled puller's token, asked by another device: changes there say the puller
     * stopped asking; none say edge 2 does not serve rows it holds.
     */
    private static String probePull(Http reader, String token) {
        try {
            Http.Response response = Load.join(reader.get(pullUri("s5-probe", TABLE, token), Map.of()),
                    Duration.ofSeconds(30));
            if (response.status() != 200) {
                return "HTTP " + response.status() + " " + response.text();
            }
            JsonArray changes = response.json().getJsonArray("changes");
            return changes.size() + " changes" + (changes.isEmpty() ? ""
                    : " (first " + changes.getJsonObject(0).getString("id") + ")");
        } catch (RuntimeException e) {
            return "not read: " + Http.describe(e);
        }
    }

    /** Edge 2's count of visibility rounds (its horizon's reads of the clocks): a count that stands still is stuck. */
    private static String visibilityRounds(Http reader) {
        return GatewayProcess.gauge(reader.base(), "edgesync_visibility_rounds_total") + " rounds, lag "
                + GatewayProcess.gauge(reader.base(), "edgesync_visibility_lag_seconds") + " s";
    }

    /** The fact with the central service's rate over the burst: what the target compares. */
    static final String BURST_CENTRAL = "scenario 5 burst: central service";

    /** A push's outcome: its latency from the intended send time, or why it failed. */
    private static void recordPush(Stats pushes, Http.Response response, Throwable failure, long intended,
            int batch) {
        if (failure != null) {
            pushes.failure(Http.describe(failure));
        } else if (response.status() != 200) {
            pushes.failure("HTTP " + response.status());
        } else {
            pushes.success(System.nanoTime() - intended, batch);
        }
    }

    /**
     * How fast edge 1's relay published the CUD events whose keys start with {@code keyPrefix}: their number, and the
     * span of their record times on the CUD topic (the time its producer took each, as the relay handed it over). Read
     * from the topic, since the relay deletes the outbox rows Kafka acknowledged.
     */
    private static String relayRate(String bootstrap, String keyPrefix) {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(CUD_TOPIC, Duration.ofSeconds(30))
                    .stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            long events = 0;
            long first = Long.MAX_VALUE;
            long last = Long.MIN_VALUE;
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    return "not read: the CUD topic was not read to its end within 2 minutes";
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.key() != null && record.key().startsWith(keyPrefix)) {
                        events++;
                        first = Math.min(first, record.timestamp());
                        last = Math.max(last, record.timestamp());
                    }
                }
            }
            return eventRate("published", events, events == 0 ? 0 : (last - first) / 1000.0);
        } catch (RuntimeException e) {
            return "not read: " + Http.describe(e);
        }
    }

    /** What one stage of the burst did, from a query giving a count and a span in seconds. */
    private static String rate(Pool db, String sql, String verb) {
        try {
            Row row = Pg.execute(db, sql, Duration.ofSeconds(30)).iterator().next();
            long events = row.getLong(0);
            return eventRate(verb, events,
                    row.getValue(1) == null ? 0 : Double.parseDouble(row.getValue(1).toString()));
        } catch (RuntimeException e) {
            return "not read: " + Http.describe(e);
        }
    }

    /** "{@code verb} N CUD events in T s (R events/s)": what one stage of the burst did, over how long. */
    private static String eventRate(String verb, long events, double seconds) {
        return String.format(Locale.ROOT, "%s %,d CUD events in %.1f s (%,.0f events/s)", verb, events, seconds,
                seconds > 0 ? events / seconds : Double.NaN);
    }

    private static Buffer pushBody(String table, List<String> ids, String text, String operationPrefix) {
        JsonArray operations = new JsonArray();
        for (String id : ids) {
            operations.add(Bench.insert(operationPrefix + "-" + id, table, id,
                    new JsonObject().put("text", text).put("complete", false)));
        }
        return new JsonObject().put("operations", operations).toBuffer();
    }

    /** Pulls on edge 2 until {@code id} arrives; returns the token after it. */
    private static String awaitRow(Bench bench, Http reader, String device, String table, String id,
            Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String token = null;
        while (System.nanoTime() < deadline) {
            Http.Response response = Load.join(reader.get(pullUri(device, table, token), Map.of()),
                    Duration.ofSeconds(30));
            if (response.status() == 200) {
                JsonObject page;
                try {
                    page = response.json();
                } catch (RuntimeException e) {
                    // The load generator's own race lost bodies this way before Http kept each request on one
                    // event-loop context; an answer that is still unreadable is noted with its framing, and pulled
                    // again
                    bench.note("Scenario 5: edge 2 answered a pull that could not be read (" + Http.framing(response)
                            + "): " + Http.describe(e));
                    GatewayProcess.sleep(200);
                    continue;
                }
                token = page.getString("token");
                JsonArray changes = page.getJsonArray("changes");
                for (int i = 0; i < changes.size(); i++) {
                    if (id.equals(changes.getJsonObject(i).getString("id"))) {
                        return token;
                    }
                }
                if (page.getBoolean("hasMore", false)) {
                    continue;
                }
            }
            GatewayProcess.sleep(200);
        }
        throw new IllegalStateException("A write on edge 1 did not reach edge 2 within " + timeout);
    }

    static String pullUri(String device, String table, String token) {
        return "/sync/v1/devices/" + device + "/pull?table=" + table + "&limit=10000"
                + (token == null ? "" : "&token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
    }

    /** The edge-2 device: one pull at a time, another right after it when an announcement came meanwhile. */
    private static final class PullLoop {
        final Http reader;
        final String device;
        private final String table;
        private final Map<String, Long> sent;
        private final long measureFrom;
        private final Stats announced;
        private final Stats visible;
        private final AtomicBoolean running = new AtomicBoolean();
        private volatile boolean again;
        private volatile long againTrigger;
        volatile String token;

        PullLoop(Http reader, String device, String table, String token, Map<String, Long> sent, long measureFrom,
                Stats announced, Stats visible) {
            this.reader = reader;
            this.device = device;
            this.table = table;
            this.token = token;
            this.sent = sent;
            this.measureFrom = measureFrom;
            this.announced = announced;
            this.visible = visible;
        }

        void trigger(long eventNanos) {
            if (running.compareAndSet(false, true)) {
                pull(eventNanos);
            } else {
                againTrigger = eventNanos;
                again = true;
            }
        }

        private void pull(long triggerNanos) {
            again = false;
            CompletableFuture<Http.Response> call = reader.get(pullUri(device, table, token), Map.of());
            var unused = call.whenComplete((response, failure) -> {
                long now = System.nanoTime();
                boolean more = false;
                try {
                    if (failure == null && response.status() == 200) {
                        JsonObject page = response.json();
                        token = page.getString("token");
                        more = page.getBoolean("hasMore", false);
                        JsonArray changes = page.getJsonArray("changes");
                        for (int i = 0; i < changes.size(); i++) {
                            Long intended = sent.remove(changes.getJsonObject(i).getString("id"));
                            if (intended != null && intended >= measureFrom) {
                                visible.success(now - intended, 1);
                                if (triggerNanos >= intended) {
                                    announced.success(triggerNanos - intended, 0);
                                }
                            }
                        }
                    } else {
                        visible.failure(failure != null ? Http.describe(failure) : "pull HTTP " + response.status());
                    }
                } catch (RuntimeException e) {
                    // (an exception here would otherwise vanish in the future and leave the loop running = true:
                    // it would never pull again, and the rows would look lost)
                    visible.failure("pull answer not read (" + Http.framing(response) + "): " + Http.describe(e));
                }
                if (more || again) {
                    pull(again ? againTrigger : triggerNanos);
                } else {
                    running.set(false);
                    if (again && running.compareAndSet(false, true)) {
                        pull(againTrigger);
                    }
                }
            });
        }
    }
}
