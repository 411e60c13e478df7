package io.edgesync.testsupport;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.assertj.core.api.SoftAssertions;

/** Compares what a pulling client holds with the table at the end. */
public final class Replicas {

    private Replicas() {
    }

    /**
     * A client that pulled tombstones from the start (the table protocol with {@code __includeDeleted}) holds every row
     * of the table, tombstones included, at its last version, and nothing else.
     */
    public static void assertHoldsTable(SoftAssertions softly, String puller, Map<String, PulledRow> replica,
            Map<String, PulledRow> table) {
        assertHolds(softly, puller, replica, table, false);
    }

    /**
     * A client whose first pull was an initial sync (the native API: live rows only) holds every live row at its last
     * version, the tombstone of every row it ever received that is now deleted, and nothing else.
     */
    public static void assertHoldsLiveRowsAndTheirTombstones(SoftAssertions softly, String puller,
            Map<String, PulledRow> replica, Map<String, PulledRow> table) {
        assertHolds(softly, puller, replica, table, true);
    }

    private static void assertHolds(SoftAssertions softly, String puller, Map<String, PulledRow> replica,
            Map<String, PulledRow> table, boolean tombstonesOfUnknownRowsOptional) {
        Set<String> missed = new TreeSet<>();
        List<String> stale = new ArrayList<>();
        for (Map.Entry<String, PulledRow> row : table.entrySet()) {
            PulledRow local = replica.get(row.getKey());
            if (local == null) {
                if (!(tombstonesOfUnknownRowsOptional && row.getValue().deleted())) {
                    missed.add(row.getKey() + " " + row.getValue());
                }
            } else if (!local.sameAs(row.getValue())) {
                stale.add(row.getKey() + ": replica " + local + ", table " + row.getValue());
            }
        }
        Set<String> unknown = new TreeSet<>(replica.keySet());
        unknown.removeAll(table.keySet());
        softly.assertThat(missed)
                .as("%s: rows never pulled (%d of %d)", puller, missed.size(), table.size())
                .isEmpty();
        softly.assertThat(stale)
                .as("%s: rows whose last change was never pulled (%d of %d)", puller, stale.size(), table.size())
                .isEmpty();
        softly.assertThat(unknown).as("%s: pulled ids the table does not have", puller).isEmpty();
    }
}
