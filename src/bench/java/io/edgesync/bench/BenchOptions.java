package io.edgesync.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Command-line options of the harness. Global options are {@code --name} or {@code --name=value}; per-scenario options
 * are {@code --s<N>.<key>=<value>} (e.g. {@code --s1.concurrency=16,64 --s1.duration=30s --s4.rows=500000}).
 * {@code --quick} swaps every default for a short one; explicit options still win.
 */
final class BenchOptions {

    static final String USAGE = """
            EdgeSync benchmark harness (docs/performance.md)

              bench/run.sh [options]

            Global options:
              --quick                 short run (~5 min), reduced sizes
              --scenarios=1,2,3,4,5,6,7 scenarios to run (default: 1 to 6; 7 runs alone best)
              --url=http://host:port  measure a running gateway instead of starting one (scenarios 5/6 and the
                                      PostgreSQL baseline need the harness's own gateway)
              --app=DIR               packaged application to start (default target/bench/quarkus-app, then
                                      target/quarkus-app); copied to a temporary directory first
              --gateway-heap=1g       -Xmx of the gateway
              --out=DIR               results directory (default target/bench/results/<time>)
              --no-baseline           skip the raw PostgreSQL baseline
              --no-node               skip the Azure Mobile Apps Node.js reference server
              --no-jmh                skip the JMH microbenchmarks
              --jfr                   record the gateway with JFR (settings=profile) and summarise its hot spots
              --warmup=20s            a round of mixed traffic to warm the gateway's JVM before measuring, repeated
                                      until its JIT compilers use at most --warm-jit=0.10 cores, for up to
                                      --warm-limit=240s (quick: one round of 10s)
              --client-threads=1      event loops of the load generator
              --gateway-prop.KEY=VAL  a system property for the gateway (e.g. --gateway-prop.edgesync.role=edge);
                                      ...edgesync.embedded.postgres.statement-statistics=true adds each step's
                                      (and scenario 5's each rate's) most expensive PostgreSQL statements
              --edge2-prop.KEY=VAL    a system property for scenario 5's edge 2 (e.g.
                                      --edge2-prop.edgesync.notifications.coalesce-millis=20)

            Per scenario (--s<N>.<key>=<value>, durations like 20s or 1m):
              1 ZUMO insert+update:   concurrency=16,64 duration=15s warmup=5s size=100 tables=1
              2 ZUMO pull:            concurrency=32 duration=15s warmup=3s rows=5000 size=100
              3 native batch push:    concurrency=8 duration=20s warmup=5s batch=100 size=100 tables=1
              4 initial sync:         rows=1000000 size=100 limit=10000 runs=2
              5 propagation:          rates=500,1000,2000 (quick: 1000) batch=10 devices=20 duration=30s
                                      warmup=5s size=100 edge2-warmup=20s (a round at the first rate,
                                      unmeasured, repeated until both JVMs' JIT compilers use at most
                                      warm-jit=0.15 cores, for up to warm-limit=240s; quick: one round)
                                      burst=10s burst-devices=8 (pushes of 100 back to back: central's own pace)
              6 fleet:                devices=100000 streams=10000 concurrency=64 duration=10s rounds=5
              7 edge scope:           rows=1000000 (quick: 100000) changes=20000 (quick: 5000) size=100
                                      warmup-changes=50000 (quick: 10000), unmeasured
                                      edge-heap=512m edge-prop.KEY=VAL (a system property of its edge)
              baseline (raw PostgreSQL): single=1,16,64 batched=8 batch=100 duration=10s
              node (reference server): used by scenarios 1 and 2 with their own options
            """;

    private final Map<String, String> values = new LinkedHashMap<>();
    private final boolean quick;

    private BenchOptions(Map<String, String> values) {
        this.values.putAll(values);
        this.quick = flag("quick");
    }

    static BenchOptions parse(String[] args) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String arg : args) {
            if (arg.isBlank()) {
                continue;
            }
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("Unexpected argument '" + arg + "'\n\n" + USAGE);
            }
            String body = arg.substring(2);
            int eq = body.indexOf('=');
            if (eq < 0) {
                values.put(body, "true");
            } else {
                values.put(body.substring(0, eq), body.substring(eq + 1));
            }
        }
        return new BenchOptions(values);
    }

    boolean quick() {
        return quick;
    }

    boolean flag(String name) {
        return Boolean.parseBoolean(values.getOrDefault(name, "false"));
    }

    String text(String name, String fullDefault) {
        return values.getOrDefault(name, fullDefault);
    }

    /** A value whose default depends on {@code --quick}. */
    String text(String name, String fullDefault, String quickDefault) {
        return values.getOrDefault(name, quick ? quickDefault : fullDefault);
    }

    int integer(String name, int fullDefault, int quickDefault) {
        return Integer.parseInt(text(name, Integer.toString(fullDefault), Integer.toString(quickDefault)).trim());
    }

    Duration duration(String name, String fullDefault, String quickDefault) {
        return parseDuration(text(name, fullDefault, quickDefault));
    }

    List<Integer> integers(String name, String fullDefault, String quickDefault) {
        List<Integer> list = new ArrayList<>();
        for (String part : text(name, fullDefault, quickDefault).split(",")) {
            if (!part.isBlank()) {
                list.add(Integer.parseInt(part.trim()));
            }
        }
        return list;
    }

    Set<String> scenarios() {
        return new LinkedHashSet<>(Arrays.asList(text("scenarios", "1,2,3,4,5,6").split(",")));
    }

    Path path(String name, String defaultValue) {
        return Path.of(text(name, defaultValue));
    }

    /** Every option given, for the report. */
    Map<String, String> given() {
        return Map.copyOf(values);
    }

    /** The options {@code <prefix>KEY=VAL} given, as KEY to VAL (system properties for a process). */
    Map<String, String> withPrefix(String prefix) {
        Map<String, String> properties = new LinkedHashMap<>();
        values.forEach((key, value) -> {
            if (key.startsWith(prefix)) {
                properties.put(key.substring(prefix.length()), value);
            }
        });
        return properties;
    }

    static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        if (t.endsWith("s")) {
            return Duration.ofMillis((long) (Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
        }
        if (t.endsWith("m")) {
            return Duration.ofMillis((long) (Double.parseDouble(t.substring(0, t.length() - 1)) * 60_000));
        }
        return Duration.ofSeconds(Long.parseLong(t));
    }
}
