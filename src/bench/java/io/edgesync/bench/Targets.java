package io.edgesync.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The performance targets, judged on this run's results. */
final class Targets {

    private Targets() {
    }

    static void evaluate(Bench bench) {
        singleOps(bench);
        noChangePull(bench);
        pagePull(bench);
        batchPush(bench);
        initialSync(bench);
        propagation(bench);
        centralRate(bench);
        fleet(bench);
    }

    private static void singleOps(Bench bench) {
        String target = "at least 5x the reference Node.js server, every commit durable";
        List<String> measured = new ArrayList<>();
        Boolean met = null;
        for (Result edge : lines(bench, ZumoWrites.SCENARIO, Result.EDGESYNC, "insert+update")) {
            Optional<Result> node = bench.results.stream()
                    .filter(r -> r.scenario().equals(ZumoWrites.SCENARIO) && r.system().equals(Result.NODE)
                            && r.name().equals("insert+update") && r.concurrency() == edge.concurrency())
                    .findFirst();
            Optional<Result> raw = bench.results.stream()
                    .filter(r -> r.scenario().equals(PgBaseline.SCENARIO) && r.name().equals("single-row commit")
                            && r.concurrency() == edge.concurrency())
                    .findFirst();
            StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "c=%d: %s ops/s", edge.concurrency(),
                    Report.number(edge.opsPerSecond())));
            if (node.isPresent()) {
                double ratio = edge.opsPerSecond() / node.get().opsPerSecond();
                text.append(" vs ")
                        .append(Report.number(node.get().opsPerSecond()))
                        .append(" = ")
                        .append(Report.ratio(ratio));
                boolean ok = ratio >= 5 && edge.errors() == 0;
                met = met == null ? ok : met && ok;
            }
            raw.ifPresent(r -> text.append(" (raw PostgreSQL single-row commits at c=")
                    .append(r.concurrency())
                    .append(": ")
                    .append(Report.number(r.opsPerSecond()))
                    .append("/s, gateway = ")
                    .append(Report.ratio(edge.opsPerSecond() / r.opsPerSecond()))
                    .append(")"));
            measured.add(text.toString());
        }
        String durable = String.valueOf(bench.facts.getOrDefault("postgres", "PostgreSQL settings not read"));
        add(bench, "1. single-op inserts", target, measured.isEmpty()
                ? "not run"
                : String.join("; ", measured)
                        + "; " + durable,
                met);
    }

    private static void noChangePull(Bench bench) {
        String target = "at least 20x the reference server, p99 under 10 ms";
        Optional<Result> edge = line(bench, ZumoPulls.SCENARIO, Result.EDGESYNC, "no-change pull (request)");
        Optional<Result> node = line(bench, ZumoPulls.SCENARIO, Result.NODE, "no-change pull (request)");
        if (edge.isEmpty()) {
            add(bench, "2. no-change pull", target, "not run", null);
            return;
        }
        String text = String.format(Locale.ROOT, "%s req/s, p99 %s ms", Report.number(edge.get().opsPerSecond()),
                Report.ms(edge.get().p99()));
        Boolean met = edge.get().p99() < 10 && edge.get().errors() == 0;
        if (node.isPresent()) {
            double ratio = edge.get().opsPerSecond() / node.get().opsPerSecond();
            text += " vs " + Report.number(node.get().opsPerSecond()) + " req/s = " + Report.ratio(ratio);
            met = met && ratio >= 20;
        } else {
            met = edge.get().p99() < 10 ? null : false;
        }
        add(bench, "2. no-change pull", target, text, met);
    }

    private static void pagePull(Bench bench) {
        String target = "at least 10x the reference server";
        Optional<Result> edge = line(bench, ZumoPulls.SCENARIO, Result.EDGESYNC, "50-row page pull");
        Optional<Result> node = line(bench, ZumoPulls.SCENARIO, Result.NODE, "50-row page pull");
        if (edge.isEmpty() || node.isEmpty()) {
            add(bench, "2. 50-row page pull", target, edge.map(e -> Report.number(e.opsPerSecond()) + " pages/s")
                    .orElse("not run") + (node.isEmpty() ? ", no reference" : ""), null);
            return;
        }
        double ratio = edge.get().opsPerSecond() / node.get().opsPerSecond();
        add(bench, "2. 50-row page pull", target, String.format(Locale.ROOT, "%s pages/s (%s rows/s), p99 %s ms vs %s"
                + " pages/s = %s", Report.number(edge.get().opsPerSecond()), Report.number(edge.get().unitsPerSecond()),
                Report.ms(edge.get().p99()), Report.number(node.get().opsPerSecond()), Report.ratio(ratio)),
                ratio >= 10 && edge.get().errors() == 0);
    }

    private static void batchPush(Bench bench) {
        int tables = bench.options.integer("s3.tables", 1, 1);
        int wanted = tables >= 8 ? 20_000 : 10_000;
        String target = String.format(Locale.ROOT, "%,d operations/s %s", wanted,
                tables >= 8 ? "across 8 tables" : "on one table");
        Optional<Result> edge = bench.results.stream()
                .filter(r -> r.scenario().equals(NativePush.SCENARIO))
                .findFirst();
        Optional<Result> raw = bench.results.stream()
                .filter(r -> r.scenario().equals(PgBaseline.SCENARIO) && r.name().startsWith("batched"))
                .findFirst();
        if (edge.isEmpty()) {
            add(bench, "3. batch push", target, "not run", null);
            return;
        }
        double ops = edge.get().unitsPerSecond();
        String text = Report.number(ops) + " ops/s (p99 " + Report.ms(edge.get().p99()) + " ms per batch)";
        boolean met = ops >= wanted && edge.get().errors() == 0;
        if (raw.isPresent()) {
            double ratio = ops / raw.get().unitsPerSecond();
            text += ", raw batched inserts " + Report.number(raw.get().unitsPerSecond()) + " rows/s = "
                    + Report.ratio(ratio);
        }
        add(bench, "3. batch push", target, text, met);
    }

    private static void initialSync(Bench bench) {
        String target = "1,000,000 rows in under 20 s";
        List<Result> runs = bench.results.stream().filter(r -> r.scenario().equals(InitialSync.SCENARIO)).toList();
        if (runs.isEmpty()) {
            add(bench, "4. initial sync", target, "not run", null);
            return;
        }
        Result best = runs.stream().max((a, b) -> Double.compare(a.unitsPerSecond(), b.unitsPerSecond())).get();
        double rows = best.unitsPerSecond() * best.seconds();
        double forMillion = 1_000_000 / best.unitsPerSecond();
        String text = String.format(Locale.ROOT, "%,.0f rows in %.1f s (%s rows/s)%s", rows, best.seconds(),
                Report.number(best.unitsPerSecond()),
                Math.abs(rows - 1_000_001) > 10
                        ? String.format(Locale.ROOT, ", i.e. %.1f s for 1,000,000", forMillion)
                        : "");
        add(bench, "4. initial sync", target, text, forMillion < 20 && best.errors() == 0);
    }

    private static void propagation(Bench bench) {
        String target = "p99 under 200 ms at 1,000 operations/s";
        Optional<Result> pulled = line(bench, Propagation.SCENARIO, Result.EDGESYNC, Propagation.pulledLine(1000));
        Optional<Result> sse = line(bench, Propagation.SCENARIO, Result.EDGESYNC,
                "write -> SSE change on edge 2 at 1,000 ops/s");
        if (pulled.isEmpty()) {
            add(bench, "5. propagation", target, "not run at 1,000 ops/s", null);
            return;
        }
        double rate = pulled.get().unitsPerSecond();
        String text = String.format(Locale.ROOT, "%s ops/s arrived; write to row on edge 2: p50 %s, p99 %s, max %s ms;"
                + " errors %d%s", Report.number(rate), Report.ms(pulled.get().p50()), Report.ms(pulled.get().p99()),
                Report.ms(pulled.get().max()), pulled.get().errors(),
                sse.map(s -> "; SSE announcement p99 " + Report.ms(s.p99()) + " ms").orElse(""));
        add(bench, "5. propagation", target, text,
                pulled.get().p99() < 200 && pulled.get().errors() == 0 && rate >= 0.95 * 1000);
    }

    private static void centralRate(Bench bench) {
        String target = "central service applies at least 5,000 events/s";
        Object central = bench.facts.get(Propagation.BURST_CENTRAL);
        if (central == null) {
            add(bench, "5. central service", target, "not run (scenario 5's burst)", null);
            return;
        }
        java.util.regex.Matcher rate = java.util.regex.Pattern.compile("\\(([0-9,]+) events/s\\)")
                .matcher(central.toString());
        Object relay = bench.facts.get("scenario 5 burst: edge 1 relay");
        String text = central + "; fed by edge 1's relay, which " + relay;
        add(bench, "5. central service", target, text,
                rate.find() ? Double.parseDouble(rate.group(1).replace(",", "")) >= 5_000 : null);
    }

    private static void fleet(Bench bench) {
        String target = "100,000 devices and 10,000 SSE connections in a 1 GiB heap";
        Optional<Result> register = line(bench, Fleet.SCENARIO, Result.EDGESYNC, "register device (first native pull)");
        Optional<Result> streams = line(bench, Fleet.SCENARIO, Result.EDGESYNC, "open SSE stream (until 'ready')");
        Optional<Result> fan = line(bench, Fleet.SCENARIO, Result.EDGESYNC, "write -> change event on every stream");
        Optional<Result> pulls = line(bench, Fleet.SCENARIO, Result.EDGESYNC, "no-change native pull, streams open");
        if (register.isEmpty() || streams.isEmpty()) {
            add(bench, "6. fleet", target, "not run", null);
            return;
        }
        int devices = bench.options.integer("s6.devices", 100_000, 5_000);
        int wanted = bench.options.integer("s6.streams", 10_000, 1_000);
        String memory = bench.facts.entrySet()
                .stream()
                .filter(e -> e.getKey().startsWith("scenario 6 gateway memory with"))
                .map(e -> e.getValue().toString())
                .findFirst()
                .orElse("memory not read");
        String text = String.format(Locale.ROOT, "%,d devices registered (%d errors), %,d streams opened (%d errors);"
                + " %s; fan-out p99 %s ms; pull p99 with streams open %s ms", register.get().ops(),
                register.get().errors(), streams.get().ops(), streams.get().errors(), memory,
                fan.map(f -> Report.ms(f.p99())).orElse("?"), pulls.map(p -> Report.ms(p.p99())).orElse("?"));
        boolean full = devices >= 100_000 && wanted >= 10_000;
        boolean ok = register.get().errors() == 0 && streams.get().errors() == 0 && streams.get().ops() >= wanted
                && register.get().ops() >= devices && fan.map(f -> f.errors() == 0).orElse(false)
                && !String.valueOf(bench.facts.get("gateway log errors")).matches(".*[1-9]\\d* OutOfMemoryError.*");
        add(bench, "6. fleet", target, text + (full ? "" : " (reduced fleet: not the target's size)"),
                full ? ok : null);
    }

    private static List<Result> lines(Bench bench, String scenario, String system, String name) {
        return bench.results.stream()
                .filter(r -> r.scenario().equals(scenario) && r.system().equals(system) && r.name().equals(name))
                .toList();
    }

    private static Optional<Result> line(Bench bench, String scenario, String system, String name) {
        return lines(bench, scenario, system, name).stream().findFirst();
    }

    private static void add(Bench bench, String scenario, String target, String measured, Boolean met) {
        bench.targets.add(new Report.Target(scenario, target, measured, met, ""));
    }
}
