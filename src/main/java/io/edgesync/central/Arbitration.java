package io.edgesync.central;

import java.util.Locale;

import io.edgesync.conflict.Conflict;
import io.edgesync.conflict.ConflictDecision;

/** What the central service makes of one CUD event against the master row. */
public sealed interface Arbitration {

    /** The master already holds the event's version (a copy of an event processed before): nothing changes. */
    record AlreadyApplied() implements Arbitration {
    }

    /** The event applies cleanly (its base is the master's version, or the record is new): it becomes the master. */
    record Applied(MasterRecord.RowState next) implements Arbitration {
    }

    /**
     * The event clashed with the master row; the table's policy decided.
     *
     * @param kind what clashed
     * @param policy the policy's configured name
     * @param decision what it decided
     * @param next the master row after the decision (unchanged when the server wins)
     * @param loser whose write lost: {@code event}, {@code master} or {@code none} (a merge keeps both)
     */
    record Conflicted(Conflict.Kind kind, String policy, ConflictDecision decision, MasterRecord.RowState next,
            String loser) implements Arbitration {

        /** The kind as the conflicts topic names it: {@code stale-version}, {@code already-exists}... */
        public String kindLabel() {
            return kind.name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }
}
