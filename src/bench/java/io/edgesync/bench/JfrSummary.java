package io.edgesync.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Hot spots of a JFR recording of the gateway: where the CPU samples fall (top frames, packages, and the EdgeSync
 * methods on the stack), garbage collection, and contended monitors.
 */
final class JfrSummary {

    private JfrSummary() {
    }

    static String summarize(Path recording, String title) throws IOException {
        Map<String, Integer> selfMethods = new HashMap<>();
        Map<String, Integer> selfPackages = new HashMap<>();
        Map<String, Integer> edgesyncInclusive = new HashMap<>();
        Map<String, Integer> categories = new HashMap<>();
        Map<String, Long> monitors = new HashMap<>();
        Map<String, Long> allocations = new HashMap<>();
        Map<String, Double> threadLoad = new HashMap<>();
        Map<String, Integer> threadLoadSamples = new HashMap<>();
        long compileNanos = 0;
        int samples = 0;
        long gcNanos = 0;
        long gcLongestNanos = 0;
        int gcCount = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
            String type = event.getEventType().getName();
            switch (type) {
                case "jdk.ExecutionSample" -> {
                    RecordedStackTrace stack = event.getStackTrace();
                    if (stack == null || stack.getFrames().isEmpty()) {
                        continue;
                    }
                    samples++;
                    List<RecordedFrame> frames = stack.getFrames();
                    String top = method(frames.get(0));
                    selfMethods.merge(top, 1, Integer::sum);
                    selfPackages.merge(packageOf(frames.get(0)), 1, Integer::sum);
                    categories.merge(category(frames), 1, Integer::sum);
                    Set<String> seen = new HashSet<>();
                    for (RecordedFrame frame : frames) {
                        String m = method(frame);
                        if (m.startsWith("io.edgesync.") && seen.add(m)) {
                            edgesyncInclusive.merge(m, 1, Integer::sum);
                        }
                    }
                }
                case "jdk.ThreadCPULoad" -> {
                    String thread = event.getThread("eventThread") == null ? "?"
                            : event.getThread("eventThread").getJavaName();
                    String group = threadGroup(thread == null ? "?" : thread);
                    threadLoad.merge(group, (double) event.getFloat("user") + event.getFloat("system"), Double::sum);
                    threadLoadSamples.merge(thread == null ? "?" : thread, 1, Integer::sum);
                }
                case "jdk.Compilation" -> compileNanos += event.getDuration().toNanos();
                case "jdk.GarbageCollection" -> {
                    // The event lasts the whole collection, a concurrent cycle of the old generation included: only
                    // its pauses stopped the application.
                    gcCount++;
                    long pauses = event.getDuration("sumOfPauses").toNanos();
                    gcNanos += pauses;
                    gcLongestNanos = Math.max(gcLongestNanos, event.getDuration("longestPause").toNanos());
                }
                case "jdk.JavaMonitorEnter" -> monitors.merge(
                        event.getClass("monitorClass") == null ? "?" : event.getClass("monitorClass").getName(),
                        event.getDuration().toNanos(), Long::sum);
                case "jdk.ObjectAllocationSample" -> allocations.merge(
                        event.getClass("objectClass") == null ? "?" : event.getClass("objectClass").getName(),
                        event.getLong("weight"), Long::sum);
                default -> {
                }
            }
        }
        StringBuilder md = new StringBuilder();
        md.append("### ").append(title).append("\n\n");
        md.append(String.format(Locale.ROOT,
                "%,d CPU samples; %d collections, %.0f ms of GC pauses in total (longest %.0f ms).%n%n", samples,
                gcCount, gcNanos / 1e6, gcLongestNanos / 1e6));
        if (!threadLoad.isEmpty()) {
            // jdk.ThreadCPULoad: one event per thread per period, load as a share of the whole machine.
            int periods = threadLoadSamples.values().stream().mapToInt(Integer::intValue).max().orElse(1);
            int cores = Runtime.getRuntime().availableProcessors();
            md.append("CPU of the gateway JVM by thread group (cores, averaged over the step):\n\n| cores | threads |\n|--:|---|\n");
            threadLoad.entrySet().stream()
                    .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                    .limit(12)
                    .forEach(e -> md.append(String.format(Locale.ROOT, "| %.2f | %s |%n", e.getValue() * cores / periods,
                            e.getKey())));
            md.append(String.format(Locale.ROOT, "%nJIT compilation: %.1f s of compiler time in the step.%n%n",
                    compileNanos / 1e9));
        }
        table(md, "Where the CPU goes (by what the sampled thread was doing)", categories, samples, 12);
        table(md, "Top methods (self)", selfMethods, samples, 25);
        table(md, "Top packages (self)", selfPackages, samples, 15);
        table(md, "EdgeSync methods on the stack (inclusive)", edgesyncInclusive, samples, 20);
        if (!monitors.isEmpty()) {
            md.append("Contended monitors (total wait):\n\n");
            monitors.entrySet()
                    .stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .limit(8)
                    .forEach(e -> md.append(String.format(Locale.ROOT, "- %s: %.1f ms%n", e.getKey(),
                            e.getValue() / 1e6)));
            md.append('\n');
        }
        if (!allocations.isEmpty()) {
            long total = allocations.values().stream().mapToLong(Long::longValue).sum();
            md.append(String.format(Locale.ROOT, "Allocation (sampled weight %.0f MiB), top classes:%n%n",
                    total / 1048576.0));
            allocations.entrySet()
                    .stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .limit(10)
                    .forEach(e -> md.append(String.format(Locale.ROOT, "- %s: %.1f%%%n", e.getKey(),
                            100.0 * e.getValue() / total)));
            md.append('\n');
        }
        return md.toString();
    }

    private static void table(StringBuilder md, String title, Map<String, Integer> counts, int samples, int limit) {
        md.append(title).append(":\n\n| share | frame |\n|--:|---|\n");
        md.append(counts.entrySet()
                .stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(limit)
                .map(e -> String.format(Locale.ROOT, "| %.1f%% | `%s` |", 100.0 * e.getValue() / Math.max(1, samples),
                        e.getKey()))
                .collect(Collectors.joining("\n")));
        md.append("\n\n");
    }

    /** Threads by role: event loops, Kafka broker and clients, JIT, GC, the harness-relevant pools. */
    private static String threadGroup(String name) {
        String[][] rules = {
                {"vert.x-eventloop", "Vert.x event loops (HTTP, SQL client)"},
                {"vert.x-worker", "Vert.x worker threads"},
                {"executor-thread", "Quarkus executor (blocking work)"},
                {"C2 CompilerThread", "JIT compiler (C2)"},
                {"C1 CompilerThread", "JIT compiler (C1)"},
                {"GC Thread", "garbage collector"},
                {"G1 ", "garbage collector"},
                {"VM Thread", "JVM (VM thread)"},
                {"edgesync-consumer", "EdgeSync Kafka consumer loops (central, replication)"},
                {"edgesync-relay", "EdgeSync outbox relays"},
                {"kafka-producer", "Kafka producer I/O"},
                {"data-plane-kafka", "embedded Kafka broker"},
                {"kafka-", "embedded Kafka broker"},
                {"quorum-controller", "embedded Kafka broker"},
                {"broker-", "embedded Kafka broker"},
                {"ReplicaFetcher", "embedded Kafka broker"},
                {"group-coordinator", "embedded Kafka broker"},
                {"raft", "embedded Kafka broker"},
                {"JFR", "JFR recording"},
        };
        for (String[] rule : rules) {
            if (name.startsWith(rule[0]) || name.contains(rule[0])) {
                return rule[1];
            }
        }
        return "other: " + name.replaceAll("[-#_ ]?\\d+$", "");
    }

    private static String method(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }

    private static String packageOf(RecordedFrame frame) {
        String type = frame.getMethod().getType().getName();
        String[] parts = type.split("\\.");
        int keep = Math.min(parts.length - 1, type.startsWith("io.") || type.startsWith("org.") ? 3 : 2);
        return keep <= 0 ? type : String.join(".", java.util.Arrays.copyOf(parts, keep));
    }

    /**
     * A coarse label of a sample from its stack: the outermost recognisable activity, so JSON, SQL client, HTTP, Kafka
     * and logging show up as shares.
     */
    private static String category(List<RecordedFrame> frames) {
        String[][] rules = {
                {"com.fasterxml.jackson", "JSON (Jackson)"},
                {"io.vertx.pgclient", "PostgreSQL client (Vert.x pg)"},
                {"io.vertx.sqlclient", "SQL client (Vert.x)"},
                {"org.apache.kafka", "Kafka (clients and embedded broker)"},
                {"kafka.", "Kafka (clients and embedded broker)"},
                {"io.netty", "network (Netty)"},
                {"io.micrometer", "metrics (Micrometer)"},
                {"org.jboss.logmanager", "logging"},
                {"io.smallrye.mutiny", "Mutiny operators"},
                {"org.jboss.resteasy.reactive", "REST layer (RESTEasy Reactive)"},
                {"io.quarkus", "Quarkus"},
                {"io.edgesync", "EdgeSync code"},
                {"java.util.regex", "regular expressions"},
        };
        for (RecordedFrame frame : frames) {
            String type = frame.getMethod().getType().getName();
            for (String[] rule : rules) {
                if (type.startsWith(rule[0])) {
                    return rule[1];
                }
            }
        }
        return "JDK / other";
    }

}
