package io.edgesync.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One measured line of the results table.
 *
 * @param scenario scenario number and short name ("1 ZUMO insert+update", "baseline")
 * @param system what served the requests (EdgeSync, the Node.js reference, raw PostgreSQL)
 * @param name the operation measured
 * @param concurrency concurrent clients (or the offered rate for open-loop scenarios, see note)
 * @param seconds measured seconds
 * @param ops operations completed
 * @param errors operations that failed
 * @param opsPerSecond throughput in requests (or statements) per second
 * @param unit what {@code unitsPerSecond} counts (rows, operations), or empty
 * @param unitsPerSecond work per second
 * @param p50 latency percentile, milliseconds
 * @param p90 latency percentile, milliseconds
 * @param p99 latency percentile, milliseconds
 * @param max highest latency, milliseconds
 * @param cpu cores used during the measurement, per part
 * @param errorKinds the first kinds of error seen, with counts
 * @param note anything a reader needs to read the line right
 */
record Result(String scenario, String system, String name, int concurrency, double seconds, long ops, long errors,
        double opsPerSecond, String unit, double unitsPerSecond, double p50, double p90, double p99, double max,
        Map<String, Double> cpu, Map<String, Integer> errorKinds, String note) {

    static final String EDGESYNC = "EdgeSync";
    static final String NODE = "Node.js reference";
    static final String POSTGRES = "PostgreSQL (raw)";

    static Result of(String scenario, String system, String name, int concurrency, Load.Phase phase, Stats stats,
            String unit, String note) {
        double seconds = phase.seconds();
        return new Result(scenario, system, name, concurrency, seconds, stats.ok(), stats.errors(),
                stats.ok() / seconds, unit, unit.isEmpty() ? Double.NaN : stats.units() / seconds,
                stats.percentileMillis(50), stats.percentileMillis(90), stats.percentileMillis(99), stats.maxMillis(),
                new LinkedHashMap<>(phase.cpu().cores()), stats.errorKinds(), note);
    }

    Result withNote(String text) {
        return new Result(scenario, system, name, concurrency, seconds, ops, errors, opsPerSecond, unit,
                unitsPerSecond, p50, p90, p99, max, cpu, errorKinds, text);
    }
}
