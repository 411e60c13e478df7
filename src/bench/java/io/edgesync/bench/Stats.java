package io.edgesync.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;

/**
 * Latencies and outcomes of one kind of operation in one measured phase. Latencies go into an HdrHistogram (1 µs to one
 * hour, three significant digits), so memory stays constant however long a run is. Thread-safe; the load generator
 * records from its event loops, the progress display reads.
 */
final class Stats {

    private static final long MAX_MICROS = TimeUnit.HOURS.toMicros(1);
    private static final int KEPT_ERRORS = 5;

    private final String label;
    private final Histogram total = new Histogram(MAX_MICROS, 3);
    private final Histogram window = new Histogram(MAX_MICROS, 3);
    private long ok;
    private long errors;
    private long units;
    private long windowOk;
    private final Map<String, Integer> errorKinds = new LinkedHashMap<>();
    private volatile boolean recording = true;

    Stats(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }

    /** Whether samples count (false during warm-up). */
    void recording(boolean on) {
        this.recording = on;
    }

    /** A successful operation that took {@code nanos} and moved {@code workUnits} (rows, operations) of work. */
    synchronized void success(long nanos, long workUnits) {
        if (!recording) {
            return;
        }
        long micros = Math.max(1, Math.min(MAX_MICROS, nanos / 1000));
        total.recordValue(micros);
        window.recordValue(micros);
        ok++;
        windowOk++;
        units += workUnits;
    }

    /** Work moved by an operation already counted (rows of a page, operations of a batch). */
    synchronized void addUnits(long workUnits) {
        if (recording) {
            units += workUnits;
        }
    }

    synchronized void failure(String kind) {
        if (!recording) {
            return;
        }
        errors++;
        if (errorKinds.size() < KEPT_ERRORS || errorKinds.containsKey(kind)) {
            errorKinds.merge(kind.length() > 200 ? kind.substring(0, 200) : kind, 1, Integer::sum);
        }
    }

    synchronized long ok() {
        return ok;
    }

    synchronized long errors() {
        return errors;
    }

    synchronized long units() {
        return units;
    }

    synchronized Map<String, Integer> errorKinds() {
        return new LinkedHashMap<>(errorKinds);
    }

    /** Percentile in milliseconds over the whole phase. */
    synchronized double percentileMillis(double percentile) {
        return total.getTotalCount() == 0 ? Double.NaN : total.getValueAtPercentile(percentile) / 1000.0;
    }

    synchronized double maxMillis() {
        return total.getTotalCount() == 0 ? Double.NaN : total.getMaxValue() / 1000.0;
    }

    synchronized double meanMillis() {
        return total.getTotalCount() == 0 ? Double.NaN : total.getMean() / 1000.0;
    }

    /** Operations and p99 (ms) since the last call, for the progress display. */
    synchronized double[] takeWindow() {
        double p99 = window.getTotalCount() == 0 ? Double.NaN : window.getValueAtPercentile(99) / 1000.0;
        double[] result = {windowOk, p99};
        window.reset();
        windowOk = 0;
        return result;
    }

    /** Merges several stats into one (e.g. inserts and updates into "all writes"). */
    static Stats merge(String label, List<Stats> parts) {
        Stats merged = new Stats(label);
        for (Stats part : parts) {
            synchronized (part) {
                merged.total.add(part.total);
                merged.ok += part.ok;
                merged.errors += part.errors;
                merged.units += part.units;
                part.errorKinds.forEach((k, v) -> merged.errorKinds.merge(k, v, Integer::sum));
            }
        }
        return merged;
    }

    static List<Stats> list(Stats... stats) {
        return new ArrayList<>(List.of(stats));
    }
}
