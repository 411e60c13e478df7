package io.edgesync.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** The results of a run as Markdown (for people and docs/performance.md) and JSON (for tools). */
final class Report {

    /**
     * One target of the issue and whether this run met it.
     *
     * @param scenario the scenario
     * @param target the target as the issue states it
     * @param measured what this run measured
     * @param met true, false, or null when it could not be measured
     * @param note what bounds it, when missed
     */
    record Target(String scenario, String target, String measured, Boolean met, String note) {
    }

    /** A JMH result line. */
    record Micro(String benchmark, String mode, double score, double error, String unit) {
    }

    private Report() {
    }

    /**
     * CPU time the serving side spent per operation (request or statement): gateway, PostgreSQL, Node.js and edge 2
     * together, from the cores they used over the measurement. Less sensitive to a busy machine than throughput.
     */
    static double serverMillisPerOp(Result r) {
        if (r.cpu().isEmpty() || r.opsPerSecond() <= 0) {
            return Double.NaN;
        }
        double cores = 0;
        for (var e : r.cpu().entrySet()) {
            if (!e.getKey().equals("machine") && !e.getKey().equals("load generator")
                    && !e.getKey().equals("other processes") && !CpuMeter.isJitShare(e.getKey())) {
                cores += e.getValue();
            }
        }
        return cores / r.opsPerSecond() * 1000;
    }

    static String oneLine(Result r) {
        return String.format(Locale.ROOT,
                "  = %-22s %-18s %-34s c=%-4d %10s/s%s  p50 %s p90 %s p99 %s max %s ms  errors %d%s",
                r.scenario(), r.system(), r.name(), r.concurrency(), number(r.opsPerSecond()),
                r.unit().isEmpty() ? "" : " (" + number(r.unitsPerSecond()) + " " + r.unit() + "/s)",
                ms(r.p50()), ms(r.p90()), ms(r.p99()), ms(r.max()), r.errors(),
                r.cpu().isEmpty() ? "" : "  cpu " + new CpuMeter.Usage(r.cpu()).describe());
    }

    static String markdown(Bench bench, List<Micro> micro) {
        StringBuilder md = new StringBuilder();
        md.append("# EdgeSync benchmark results\n\n");
        md.append("Run ")
                .append(bench.facts.getOrDefault("started", ""))
                .append(", ")
                .append(bench.options.quick() ? "quick mode" : "full run")
                .append(". Machine: ")
                .append(bench.facts.getOrDefault("machine", ""))
                .append(".\n\n");

        md.append("## Targets\n\n| scenario | target | measured | met |\n|---|---|---|---|\n");
        for (Target t : bench.targets) {
            md.append("| ")
                    .append(t.scenario())
                    .append(" | ")
                    .append(t.target())
                    .append(" | ")
                    .append(t.measured())
                    .append(" | ")
                    .append(t.met() == null ? "not measured" : t.met() ? "**met**" : "**missed**")
                    .append(t.note() == null || t.note().isEmpty() ? "" : ": " + t.note())
                    .append(" |\n");
        }

        md.append("\n## Results\n\nLatencies in milliseconds. CPU in cores (of ")
                .append(Runtime.getRuntime().availableProcessors())
                .append("): machine total, load generator, gateway JVM (with its embedded Kafka), PostgreSQL"
                        + " (postmaster and backends), Node.js, and other processes on the machine (not part of the"
                        + " benchmark); after a JVM, in brackets, the share of it that its JIT compiler threads took"
                        + " (warming up). Server CPU ms/op: CPU time of the serving side (gateway, PostgreSQL, Node.js,"
                        + " edge 2) per operation of the line (a request; for batches a batch), which a busy machine"
                        + " disturbs less than throughput.\n\n");
        md.append("| scenario | system | operation | c | ops/s | work/s | p50 | p90 | p99 | max | errors |"
                + " server CPU ms/op | CPU |\n");
        md.append("|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
        for (Result r : bench.results) {
            md.append("| ")
                    .append(r.scenario())
                    .append(" | ")
                    .append(r.system())
                    .append(" | ")
                    .append(r.name())
                    .append(" | ")
                    .append(r.concurrency())
                    .append(" | ")
                    .append(number(r.opsPerSecond()))
                    .append(" | ")
                    .append(r.unit().isEmpty() ? "" : number(r.unitsPerSecond()) + " " + r.unit())
                    .append(" | ")
                    .append(ms(r.p50()))
                    .append(" | ")
                    .append(ms(r.p90()))
                    .append(" | ")
                    .append(ms(r.p99()))
                    .append(" | ")
                    .append(ms(r.max()))
                    .append(" | ")
                    .append(r.errors())
                    .append(" | ")
                    .append(new CpuMeter.Usage(r.cpu()).describe())
                    .append(" |\n");
        }
        boolean anyNote = bench.results.stream().anyMatch(r -> r.note() != null && !r.note().isEmpty());
        if (anyNote) {
            md.append("\nNotes on lines:\n\n");
            for (Result r : bench.results) {
                if (r.note() != null && !r.note().isEmpty()) {
                    md.append("- ")
                            .append(r.scenario())
                            .append(" / ")
                            .append(r.system())
                            .append(" / ")
                            .append(r.name())
                            .append(": ")
                            .append(r.note())
                            .append('\n');
                }
            }
        }
        boolean anyErrors = bench.results.stream().anyMatch(r -> !r.errorKinds().isEmpty());
        if (anyErrors) {
            md.append("\nErrors seen:\n\n");
            for (Result r : bench.results) {
                r.errorKinds()
                        .forEach((kind, count) -> md.append("- ")
                                .append(r.scenario())
                                .append(" / ")
                                .append(r.system())
                                .append(" / ")
                                .append(r.name())
                                .append(": ")
                                .append(count)
                                .append(" x ")
                                .append(kind.replace('|', '/'))
                                .append('\n'));
            }
        }
        if (!micro.isEmpty()) {
            md.append(
                    "\n## Microbenchmarks (JMH)\n\n| benchmark | mode | score | error | unit |\n|---|---|--:|--:|---|\n");
            for (Micro m : micro) {
                md.append("| ")
                        .append(m.benchmark())
                        .append(" | ")
                        .append(m.mode())
                        .append(" | ")
                        .append(number(m.score()))
                        .append(" | ")
                        .append(number(m.error()))
                        .append(" | ")
                        .append(m.unit())
                        .append(" |\n");
            }
        }
        if (!bench.notes.isEmpty()) {
            md.append("\n## Notes\n\n");
            bench.notes.forEach(note -> md.append("- ").append(note).append('\n'));
        }
        md.append("\n## Facts\n\n");
        bench.facts.forEach((key, value) -> md.append("- ").append(key).append(": ").append(value).append('\n'));
        return md.toString();
    }

    static void write(Bench bench, List<Micro> micro) throws IOException {
        Files.createDirectories(bench.outDir);
        String md = markdown(bench, micro);
        Files.writeString(bench.outDir.resolve("results.md"), md);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("facts", bench.facts);
        json.put("options", bench.options.given());
        json.put("targets", bench.targets);
        json.put("results", bench.results);
        json.put("microbenchmarks", micro);
        json.put("notes", bench.notes);
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Files.writeString(bench.outDir.resolve("results.json"), mapper.writeValueAsString(json));
        Path latest = bench.outDir.getParent();
        if (latest != null) {
            Files.writeString(latest.resolve("latest.md"), md);
            Files.copy(bench.outDir.resolve("results.json"), latest.resolve("latest.json"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static String number(double value) {
        if (Double.isNaN(value)) {
            return "";
        }
        if (Math.abs(value) >= 100) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        if (Math.abs(value) >= 10) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%.2f", value);
    }

    static String ms(double value) {
        if (Double.isNaN(value)) {
            return "";
        }
        return value >= 100
                ? String.format(Locale.ROOT, "%.0f", value)
                : value >= 10
                        ? String.format(Locale.ROOT, "%.1f", value)
                        : String.format(Locale.ROOT, "%.2f", value);
    }

    static String ratio(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? "n/a" : String.format(Locale.ROOT, "%.2fx", value);
    }
}
