package io.edgesync.bench;

import java.time.ZoneId;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

/**
 * The benchmark harness (docs/performance.md): starts the gateway from its packaged jar (embedded PostgreSQL and Kafka in a
 * temporary directory) and, when Node.js is present, the Azure Mobile Apps reference server; measures the raw
 * PostgreSQL baseline and scenarios 1 to 7; runs the JMH microbenchmarks; writes {@code results.md} and
 * {@code results.json}. See docs/performance.md.
 */
public final class BenchMain {

    private BenchMain() {
    }

    // (closing the Progress stops its thread; it never closes System.out)
    @SuppressWarnings("ClosingStandardOutputStreams")
    public static void main(String[] args) throws Exception {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        if (options.flag("help")) {
            System.out.println(BenchOptions.USAGE);
            return;
        }
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").format(LocalDateTime.now(ZoneId.systemDefault()));
        Path outDir = options.path("out", "target/bench/results/" + stamp).toAbsolutePath();
        Files.createDirectories(outDir);
        Vertx vertx = Vertx.vertx(new VertxOptions()
                .setEventLoopPoolSize(Integer.parseInt(options.text("client-threads", "1")))
                .setWorkerPoolSize(2)
                .setBlockedThreadCheckInterval(TimeUnit.MINUTES.toMillis(10)));
        int code = 0;
        try (Progress progress = new Progress(System.out)) {
            Bench bench = new Bench(options, vertx, progress, outDir);
            Thread cleanup = new Thread(() -> stopServers(bench), "bench-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
            try {
                run(bench);
            } catch (Exception e) {
                bench.note("The run stopped early: " + Http.describe(e));
                e.printStackTrace();
                code = 1;
            } finally {
                stopServers(bench);
                Runtime.getRuntime().removeShutdownHook(cleanup);
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        System.exit(code);
    }

    private static void run(Bench bench) throws Exception {
        BenchOptions o = bench.options;
        Set<String> scenarios = o.scenarios();
        machineFacts(bench);
        bench.progress.log("EdgeSync benchmark (" + (o.quick() ? "quick" : "full") + "), results in " + bench.outDir);
        bench.progress.log("machine: " + bench.facts.get("machine"));

        Path appDir = appDir(o);
        Optional<String> url = Optional.ofNullable(o.given().get("url"));
        if (url.isPresent()) {
            bench.gatewayUri = URI.create(url.get());
            bench.facts.put("gateway", "given URL " + url.get());
        } else {
            bench.progress.status("start", "starting the gateway from " + appDir);
            List<String> jvm = new ArrayList<>();
            Map<String, String> props = new LinkedHashMap<>();
            props.put("edgesync.edge.id", "edge1");
            // The per-device limiter would cap one simulated device at 100 requests/s; the benchmark measures capacity.
            props.put("edgesync.limits.rate-limit.enabled", "false");
            props.putAll(o.withPrefix("gateway-prop."));
            String heap = o.text("gateway-heap", "1g");
            GatewayProcess gateway = GatewayProcess.start("gateway", appDir, bench.outDir, heap, jvm, props);
            bench.progress.phaseDone();
            bench.gateway = Optional.of(gateway);
            bench.gatewayUri = gateway.uri();
            bench.cpu.track("gateway", gateway.pid());
            gateway.postmasterPid().ifPresent(pid -> bench.cpu.track("postgres", pid, true));
            bench.facts.put("gateway", "java -Xmx" + heap + " -jar " + appDir.resolve("quarkus-run.jar")
                    + " (embedded PostgreSQL and Kafka, temporary data directory; " + props + ")");
            bench.progress.log("gateway ready at " + gateway.uri() + " (pid " + gateway.pid() + ", PostgreSQL port "
                    + gateway.postgresPort().map(String::valueOf).orElse("?") + ", Kafka "
                    + gateway.kafkaBootstrap().orElse("?") + ")");
        }

        if (bench.gateway.isPresent()) {
            step(bench, null, () -> Warmup.run(bench));
        }
        boolean zumo = scenarios.contains("1") || scenarios.contains("2");
        if (zumo && !o.flag("no-node")) {
            Optional<String> node = NodeReference.nodeVersion();
            if (node.isEmpty()) {
                bench.note("Node.js is not installed: no reference-server comparison for scenarios 1 and 2");
            } else {
                try {
                    bench.progress.status("start", "starting the Node.js reference server");
                    NodeReference reference = NodeReference.start(Path.of("bench", "node-reference"), bench.outDir,
                            bench.progress);
                    bench.progress.phaseDone();
                    bench.node = Optional.of(reference);
                    bench.cpu.track("node", reference.pid());
                    bench.facts.put("reference server", reference.describe());
                } catch (Exception e) {
                    bench.progress.phaseDone();
                    bench.note("The Node.js reference server could not start: " + Http.describe(e));
                }
            }
        }

        Optional<GatewayProcess> gateway = bench.gateway;
        Optional<Integer> pgPort = gateway.flatMap(GatewayProcess::postgresPort);
        if (!o.flag("no-baseline") && (scenarios.contains("1") || scenarios.contains("3"))) {
            if (pgPort.isPresent()) {
                step(bench, "baseline", () -> PgBaseline.run(bench, pgPort.get(), gateway.get().database()));
            } else {
                bench.note("Raw PostgreSQL baseline skipped: it needs the harness's own gateway (no --url)");
            }
        }
        if (scenarios.contains("1")) {
            step(bench, "s1", () -> ZumoWrites.run(bench, Result.EDGESYNC, bench.gatewayUri));
            bench.node.ifPresent(node -> step(bench, null, () -> ZumoWrites.run(bench, Result.NODE, node.uri())));
        }
        if (scenarios.contains("2")) {
            String[] table = {null};
            step(bench, "s2-seed", () -> table[0] = ZumoPulls.seed(bench, Result.EDGESYNC, bench.gatewayUri));
            if (table[0] != null) {
                step(bench, "s2", () -> ZumoPulls.run(bench, Result.EDGESYNC, bench.gatewayUri, table[0]));
            }
            bench.node.ifPresent(node -> step(bench, null, () -> {
                String nodeTable = ZumoPulls.seed(bench, Result.NODE, node.uri());
                ZumoPulls.run(bench, Result.NODE, node.uri(), nodeTable);
            }));
        }
        bench.node.ifPresent(NodeReference::close);
        bench.node.ifPresent(node -> bench.cpu.untrack("node"));
        if (scenarios.contains("3")) {
            step(bench, "s3", () -> NativePush.run(bench, bench.gatewayUri));
        }
        if (scenarios.contains("4")) {
            if (pgPort.isPresent()) {
                boolean[] seeded = {false};
                step(bench, "s4-seed", () -> {
                    InitialSync.seed(bench, bench.gatewayUri, pgPort.get(), gateway.get().database());
                    seeded[0] = true;
                });
                if (seeded[0]) {
                    step(bench, "s4", () -> InitialSync.run(bench, bench.gatewayUri));
                }
            } else {
                bench.note("Scenario 4 skipped: seeding needs the harness's own gateway (no --url)");
            }
        }
        if (scenarios.contains("5")) {
            if (gateway.isPresent()) {
                step(bench, "s5", () -> Propagation.run(bench, gateway.get(), appDir));
            } else {
                bench.note("Scenario 5 skipped: it starts a second edge next to the harness's own gateway (no --url)");
            }
        }
        if (scenarios.contains("6")) {
            if (gateway.isPresent()) {
                step(bench, "s6", () -> Fleet.run(bench, gateway.get()));
            } else {
                bench.note("Scenario 6 skipped: it measures the memory of the harness's own gateway (no --url)");
            }
        }
        if (scenarios.contains("7")) {
            if (gateway.isPresent()) {
                step(bench, "s7", () -> EdgeScope.run(bench, gateway.get(), appDir));
            } else {
                bench.note("Scenario 7 skipped: it starts an edge next to the harness's own gateway (no --url)");
            }
        }
        gateway.ifPresent(g -> bench.facts.put("gateway log errors",
                countLogLines(g.log(), " ERROR ") + " ERROR lines, " + countLogLines(g.log(), "OutOfMemoryError")
                        + " OutOfMemoryError lines"));
        stopServers(bench);

        bench.facts.put("load average at end", loadAverage());
        Targets.evaluate(bench);
        List<Report.Micro> micro = o.flag("no-jmh") ? List.of() : microbenchmarks(bench);
        Report.write(bench, micro);
        bench.progress.log("\n" + Report.markdown(bench, micro));
        bench.progress.log("Results: " + bench.outDir.resolve("results.md") + " and results.json");
    }

    /** A functional step that may throw. */
    private interface Step {
        void run() throws Exception;
    }

    /**
     * Runs one scenario; a failure becomes a note and the run goes on. With {@code --jfr} the gateway is recorded while
     * the step runs and the recording's hot spots are summarised.
     */
    private static void step(Bench bench, String profileName, Step step) {
        settle(bench);
        boolean profile = bench.options.flag("jfr") && profileName != null && bench.gateway.isPresent();
        Path jfr = bench.outDir.resolve("jfr").resolve(profileName == null ? "none" : profileName + ".jfr");
        if (profile) {
            try {
                Files.createDirectories(jfr.getParent());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            bench.gateway.get().jcmd("JFR.start", "name=" + profileName, "settings=profile");
        }
        Optional<PgWaits> waits = profileName != null && !profileName.equals("baseline")
                ? bench.gateway.flatMap(g -> g.postgresPort()
                        .map(port -> PgWaits.start(bench.vertx, port,
                                g.database())))
                : Optional.empty();
        Optional<PgStatements> statements = profileName != null && !profileName.equals("baseline")
                ? bench.gateway.flatMap(g -> g.postgresPort()
                        .flatMap(port -> PgStatements.start(bench.vertx, port, g.database())))
                : Optional.empty();
        try {
            step.run();
        } catch (Exception e) {
            bench.progress.phaseDone();
            bench.note("Step " + (profileName == null ? "" : profileName + " ") + "failed: " + Http.describe(e));
            e.printStackTrace(System.out);
        } finally {
            waits.ifPresent(w -> {
                w.close();
                bench.facts.put("PostgreSQL backends during " + profileName + " (average count per state)",
                        w.describe());
            });
            statements.ifPresent(s -> {
                bench.facts.put("PostgreSQL statements during " + profileName + " (most time first)", s.top(8));
                s.close();
            });
            if (profile && bench.gateway.get().pid() > 0) {
                bench.gateway.get().jcmd("JFR.stop", "name=" + profileName, "filename=" + jfr);
                try {
                    String summary = JfrSummary.summarize(jfr, "Gateway during " + profileName);
                    Path file = bench.outDir.resolve("jfr-summary.md");
                    Files.writeString(file, summary + "\n", StandardCharsets.UTF_8,
                            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
                    bench.progress.log("  JFR hot spots of " + profileName + " in " + file);
                } catch (IOException | RuntimeException e) {
                    bench.note("JFR summary of " + profileName + " failed: " + Http.describe(e));
                }
            }
        }
    }

    /**
     * Waits until the gateway is idle (under 0.15 cores for a second, at most 60 s, 20 s when quick), so that background work a step
     * left behind (relaying events, the central service, replication) does not land in the next step's measurement. How
     * long that took is itself a result: the write scenarios leave a backlog.
     */
    private static void settle(Bench bench) {
        if (bench.gateway.isEmpty() || !bench.gateway.get().isAlive()) {
            return;
        }
        long pid = bench.gateway.get().pid();
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(bench.options.quick() ? 20 : 60);
        double cores = 1;
        while (System.nanoTime() < deadline) {
            long before = CpuMeter.processTicks(pid);
            GatewayProcess.sleep(1000);
            long after = CpuMeter.processTicks(pid);
            cores = (after - before) / 100.0;
            if (before < 0 || cores < 0.15) {
                break;
            }
            bench.progress.status("settle", String.format(Locale.ROOT,
                    "the gateway is still busy (%.2f cores) with work of the previous step", cores));
        }
        bench.progress.phaseDone();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (seconds > 2.5) {
            bench.facts.put("gateway busy before step " + (bench.settles + 1),
                    String.format(Locale.ROOT, "%.0f s after the previous step ended%s", seconds - 1,
                            cores >= 0.15 ? " (still busy, gave up waiting)" : ""));
        }
        bench.settles++;
    }

    private static void stopServers(Bench bench) {
        bench.node.ifPresent(NodeReference::close);
        bench.gateway.ifPresent(GatewayProcess::close);
    }

    private static Path appDir(BenchOptions o) {
        if (o.given().containsKey("app")) {
            return Path.of(o.given().get("app")).toAbsolutePath();
        }
        Path own = Path.of("target", "bench", "quarkus-app");
        return (Files.isRegularFile(own.resolve("quarkus-run.jar")) ? own : Path.of("target", "quarkus-app"))
                .toAbsolutePath();
    }

    private static long countLogLines(Path log, String text) {
        try (var lines = Files.lines(log, StandardCharsets.UTF_8)) {
            return lines.filter(line -> line.contains(text)).count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return -1;
        }
    }

    private static void machineFacts(Bench bench) {
        String cpu = "?";
        long memKb = -1;
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo"))
                    .stream()
                    .filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst()
                    .orElse("?");
            memKb = Files.readAllLines(Path.of("/proc/meminfo"))
                    .stream()
                    .filter(line -> line.startsWith("MemTotal"))
                    .map(line -> Long.parseLong(line.replaceAll("[^0-9]", "")))
                    .findFirst()
                    .orElse(-1L);
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        bench.facts.put("started", LocalDateTime.now(ZoneId.systemDefault()).withNano(0).toString());
        bench.facts.put("load average at start", loadAverage());
        bench.facts.put("machine", String.format(Locale.ROOT, "%d cores (nproc), %s, %.1f GiB RAM, %s %s",
                Runtime.getRuntime().availableProcessors(), cpu, memKb / 1024.0 / 1024.0,
                System.getProperty("os.name"), System.getProperty("os.version")));
        bench.facts.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        bench.facts.put("load generator", "Vert.x " + Optional.ofNullable(Vertx.class.getPackage()
                .getImplementationVersion()).orElse("4.5") + " HTTP client, "
                + bench.options.text("client-threads", "1") + " event loop(s), in the harness JVM on the same machine");
        NodeReference.nodeVersion().ifPresent(v -> bench.facts.put("node", v));
        bench.facts.put("options", bench.options.given().toString());
        gitCommit().ifPresent(c -> bench.facts.put("commit", c));
    }

    /** The 1, 5 and 15 minute load averages: above the core count, something else competed for the machine. */
    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private static Optional<String> gitCommit() {
        try {
            Process git = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").redirectErrorStream(true).start();
            String head = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            Process status = new ProcessBuilder("git", "status", "--porcelain", "--untracked-files=no")
                    .redirectErrorStream(true)
                    .start();
            boolean dirty = !new String(status.getInputStream().readAllBytes(), StandardCharsets.UTF_8).isBlank();
            return git.waitFor() == 0
                    ? Optional.of(head + (dirty ? " with uncommitted changes" : ""))
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** The JMH microbenchmarks, in forked JVMs (one per benchmark). */
    private static List<Report.Micro> microbenchmarks(Bench bench) {
        boolean quick = bench.options.quick();
        bench.progress.status("JMH", "microbenchmarks (OData parser/translator, event codec)");
        ChainedOptionsBuilder jmh = new OptionsBuilder()
                .include("io\\.edgesync\\.bench\\.jmh\\..*")
                .forks(1)
                .warmupIterations(quick ? 1 : 2)
                .warmupTime(TimeValue.milliseconds(quick ? 500 : 1000))
                .measurementIterations(quick ? 1 : 2)
                .measurementTime(TimeValue.milliseconds(quick ? 500 : 1000))
                .jvmArgs("-Xmx512m")
                .shouldFailOnError(true)
                .resultFormat(org.openjdk.jmh.results.format.ResultFormatType.JSON)
                .result(bench.outDir.resolve("jmh.json").toString())
                .output(bench.outDir.resolve("jmh.log").toString());
        if (quick) {
            jmh.param("filter", "jsPull", "complex");
        }
        List<Report.Micro> micro = new ArrayList<>();
        try {
            for (RunResult result : new Runner(jmh.build()).run()) {
                String name = result.getParams().getBenchmark().replace("io.edgesync.bench.jmh.", "");
                String filter = result.getParams().getParam("filter");
                var primary = result.getPrimaryResult();
                micro.add(new Report.Micro(name + (filter == null ? "" : " [" + filter + "]"),
                        result.getParams().getMode().shortLabel(), primary.getScore(), primary.getScoreError(),
                        primary.getScoreUnit()));
            }
        } catch (Exception e) {
            bench.note("JMH failed: " + Http.describe(e) + " (see " + bench.outDir.resolve("jmh.log") + ")");
        }
        bench.progress.phaseDone();
        return micro;
    }
}
