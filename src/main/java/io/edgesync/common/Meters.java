package io.edgesync.common;

import java.util.Map;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The gateway's counters that carry tags known only when they count, with their HELP text in one place: a counter
 * without one here cannot be made, so none reaches {@code /q/metrics} unexplained.
 */
public final class Meters {

    private static final Map<String, String> HELP = Map.of(
            "edgesync.operations", "Write operations of devices (table protocol and native API), by table and outcome",
            "edgesync.conflicts", "Conflicts decided, by table, conflict policy, decision and where they were decided",
            "edgesync.pull.rows", "Rows returned to pulling devices, by table and protocol",
            "edgesync.events.published", "CUD and change events published to Kafka from an outbox, by topic and outbox",
            "edgesync.events.invalid", "Kafka records that could not be read as events and were skipped, by topic",
            "edgesync.changes.consumed", "Changes of the central change stream applied at this edge, by outcome",
            "edgesync.central.events", "CUD events the central service arbitrated, by table and outcome",
            "edgesync.tombstones.purged",
            "Tombstones purged, by stage: columns (every active device had pulled past them,"
                    + " or their retention passed; an id-only tombstone stays) and id (the id-only tombstone went)");

    private Meters() {
    }

    /** The counter {@code name} with {@code tags} (key, value, ...), described by its HELP text. */
    public static Counter counter(MeterRegistry registry, String name, String... tags) {
        String help = HELP.get(name);
        if (help == null) {
            throw new IllegalArgumentException("No HELP text for the counter " + name);
        }
        return Counter.builder(name).description(help).tags(tags).register(registry);
    }
}
