package io.edgesync.cache;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The rule of the visibility horizon (docs/adr/0003-stamps-below-a-visibility-horizon.md), apart from any I/O.
 *
 * <p> Each observation is one read of every table's clock: the last stamp handed out (A) and, read after it, the
 * highest transaction id of any transaction that drew a stamp up to A (X), together with the {@code xmin} of a snapshot
 * taken before both were read. Every transaction that drew a stamp at or below A holds an id at or below X. Once a
 * snapshot's {@code xmin} is above X, all of them have ended, committed or rolled back, so no change at or below A can
 * still appear: A may be published. Observations are kept until a later {@code xmin} passes their X; X never decreases,
 * so they are published in the order they were made.
 *
 * <p> Not thread-safe: {@link VisibilityHorizon} uses it on its one Vert.x context.
 */
final class ClockObservations {

    /** One read of a table's clock. */
    record Clock(long lastStamp, long lastXid) {
    }

    private record Pending(long stamp, long xid, long observedNanos) {
    }

    private static final class TableClock {
        private final ArrayDeque<Pending> pending = new ArrayDeque<>();
        private long lastObserved = -1;
        private long published = -1;
    }

    private final Map<String, TableClock> tables = new HashMap<>();

    /**
     * Records one read of the clocks and answers the tables whose horizon may now move, with their new horizon; nothing
     * is published until {@link #published} confirms it.
     *
     * @param xmin {@code pg_snapshot_xmin} of a snapshot taken before the clocks were read
     * @param clocks every table's clock, read after that snapshot
     * @param nowNanos the time of the read ({@link System#nanoTime()})
     */
    Map<String, Long> observe(long xmin, Map<String, Clock> clocks, long nowNanos) {
        Map<String, Long> movable = new HashMap<>();
        clocks.forEach((table, clock) -> {
            TableClock state = tables.computeIfAbsent(table, t -> new TableClock());
            if (clock.lastStamp() > state.lastObserved) {
                state.pending.addLast(new Pending(clock.lastStamp(), clock.lastXid(), nowNanos));
                state.lastObserved = clock.lastStamp();
            }
            long horizon = state.published;
            for (Pending pending : state.pending) {
                if (pending.xid() >= xmin) {
                    break;
                }
                horizon = pending.stamp();
            }
            if (horizon > state.published) {
                movable.put(table, horizon);
            }
        });
        return movable;
    }

    /** The horizon of {@code table} is now {@code horizon}: observations at or below it are done. */
    void published(String table, long horizon) {
        TableClock state = tables.computeIfAbsent(table, t -> new TableClock());
        state.published = Math.max(state.published, horizon);
        while (!state.pending.isEmpty() && state.pending.peekFirst().stamp() <= state.published) {
            state.pending.removeFirst();
        }
    }

    /** The published horizon of a table, if one was. */
    OptionalLong horizonOf(String table) {
        TableClock state = tables.get(table);
        return state == null || state.published < 0 ? OptionalLong.empty() : OptionalLong.of(state.published);
    }

    /** When the oldest stamp that is not visible yet was first seen, if there is one. */
    OptionalLong oldestPendingNanos() {
        long oldest = Long.MAX_VALUE;
        boolean any = false;
        for (TableClock state : tables.values()) {
            Pending first = state.pending.peekFirst();
            if (first != null) {
                any = true;
                oldest = Math.min(oldest, first.observedNanos());
            }
        }
        return any ? OptionalLong.of(oldest) : OptionalLong.empty();
    }

    /** Forgets tables that no longer exist. */
    void retain(Set<String> existing) {
        tables.keySet().retainAll(existing);
    }
}
