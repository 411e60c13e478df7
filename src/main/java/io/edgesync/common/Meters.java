package io.edgesync.common;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Timer;

/**
 * The gateway's counters that carry tags known only when they count, with their HELP text in one place: a counter
 * without one here cannot be made, so none reaches {@code /q/metrics} unexplained.
 */
public final class Meters {

    private static final Map<String, String> HELP = Map.ofEntries(
            Map.entry("edgesync.operations",
                    "Write operations of devices (table protocol and native API), by table and outcome"),
            Map.entry("edgesync.conflicts",
                    "Conflicts decided, by table, conflict policy, decision and where they were decided"),
            Map.entry("edgesync.pull.rows", "Rows returned to pulling devices, by table and protocol"),
            Map.entry("edgesync.pulls",
                    "Pages answered to pulling devices (table protocol queries and native pulls), by table and"
                            + " protocol"),
            Map.entry("edgesync.events.published",
                    "CUD and change events published to Kafka from an outbox, by topic and outbox"),
            Map.entry("edgesync.events.invalid",
                    "Kafka records that could not be read as events and were skipped, by topic"),
            Map.entry("edgesync.changes.consumed",
                    "Changes of the central change stream applied at this edge, by outcome"),
            Map.entry("edgesync.central.events", "CUD events the central service arbitrated, by table and outcome"),
            Map.entry("edgesync.changes.propagation",
                    "Time from a change's write at the edge where it was made to its application here from the change"
                            + " stream, by outcome: applied (a change of another edge) or confirmed (the echo of this"
                            + " edge's own)"),
            Map.entry("edgesync.consumer.lag",
                    "Records of a partition this process's consumer has not read yet, as it last learnt from its"
                            + " fetches, by consumer (cud: the central service; changes: this edge's change stream),"
                            + " topic and partition"),
            Map.entry("edgesync.tombstones.purged",
                    "Tombstones purged, by stage: columns (every active device had pulled past them, or their"
                            + " retention passed; an id-only tombstone stays) and id (the id-only tombstone went)"),
            Map.entry("edgesync.scope.backfill.rows",
                    "Rows of central applied at this edge by the backfill of a table's scope, by table"),
            Map.entry("edgesync.scope.backfill.duration",
                    "Time a table's scope took to fill (sweep and backfill from central), by table"),
            Map.entry("edgesync.scope.evictions",
                    "Users evicted from this edge (their rows and their devices' replicas) after being idle longer"
                            + " than edgesync.edge.owners.idle-days"),
            Map.entry("edgesync.scope.swept",
                    "Rows this edge held that became local tombstones because a new scope of their table no longer"
                            + " holds them, by table"),
            Map.entry("edgesync.tables.analyzed",
                    "Tables of the database analyzed by the gateway because they changed more since their last"
                            + " ANALYZE than they then held (tables growing from empty)"));

    /**
     * The counters made so far, for the registry they were made in: building a meter's id and running the registry's
     * filters costs more than counting, and the write and pull paths count per request. One registry at a time (a
     * gateway has one; a test that starts another application replaces the memo rather than keeping the old registry
     * alive). Bounded by the counters' tags, which name tables, topics and outcomes that exist.
     */
    private static volatile CounterMemo counters;

    private Meters() {
    }

    /**
     * The timer {@code name} with {@code tags} (key, value, ...), described by its HELP text, with a histogram of
     * latencies from a millisecond to five minutes (percentiles are computed where the metrics are scraped).
     */
    public static Timer timer(MeterRegistry registry, String name, String... tags) {
        return Timer.builder(name)
                .description(help(name))
                .tags(tags)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry);
    }

    /** The gauges {@code name}, one per set of tags its owner registers, described by its HELP text. */
    public static MultiGauge multiGauge(MeterRegistry registry, String name) {
        return MultiGauge.builder(name).description(help(name)).register(registry);
    }

    private static String help(String name) {
        String help = HELP.get(name);
        if (help == null) {
            throw new IllegalArgumentException("No HELP text for the meter " + name);
        }
        return help;
    }

    /**
     * The counter {@code name} with {@code tags} (key, value, ...), described by its HELP text; made in the registry
     * once, then looked up.
     */
    public static Counter counter(MeterRegistry registry, String name, String... tags) {
        CounterMemo memo = counters;
        if (memo == null || memo.registry != registry) {
            memo = new CounterMemo(registry);
            counters = memo;
        }
        return memo.made.computeIfAbsent(new CounterKey(name, List.of(tags)),
                key -> Counter.builder(name).description(help(name)).tags(tags).register(registry));
    }

    private record CounterKey(String name, List<String> tags) {
    }

    private static final class CounterMemo {

        final MeterRegistry registry;
        final Map<CounterKey, Counter> made = new ConcurrentHashMap<>();

        CounterMemo(MeterRegistry registry) {
            this.registry = registry;
        }
    }
}
