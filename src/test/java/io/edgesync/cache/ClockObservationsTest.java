package io.edgesync.cache;

import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The publication rule of the visibility horizon (ADR 0003), without a database. */
class ClockObservationsTest {

    private final ClockObservations observations = new ClockObservations();

    @Test
    void aQuietTableIsPublishedByTheRoundThatReadsIt() {
        // Given a clock at 100 whose last drawer (transaction 7) has ended: the snapshot's xmin is 8
        Map<String, Long> movable = observations.observe(8, Map.of("t", new ClockObservations.Clock(100, 7)), 0);

        assertThat(movable).containsEntry("t", 100L);
    }

    @Test
    void aStampIsNotPublishedWhileATransactionThatMayHaveDrawnItRuns() {
        // Given T1 (transaction 10) drew 5 and T2 (transaction 11) drew 6 and committed, while T1 still runs
        Map<String, Long> during = observations.observe(10, Map.of("t", new ClockObservations.Clock(6, 11)), 0);

        // Then nothing at or above 5 is visible: 6 must not be seen while 5 can still appear
        assertThat(during).doesNotContainKey("t");

        // When T1 ends (xmin moves past 11)
        Map<String, Long> after = observations.observe(12, Map.of("t", new ClockObservations.Clock(6, 11)), 1);

        // Then 5 and 6 are published together
        assertThat(after).containsEntry("t", 6L);
    }

    @Test
    void earlierObservationsArePublishedWhileLaterOnesWait() {
        // Given the clock read at 10 (drawers up to transaction 20), then at 15 (drawers up to transaction 30)
        observations.observe(5, Map.of("t", new ClockObservations.Clock(10, 20)), 0);
        observations.published("t", 0);
        observations.observe(18, Map.of("t", new ClockObservations.Clock(15, 30)), 1);

        // When every transaction up to 20 has ended but 30 still runs
        Map<String, Long> movable = observations.observe(25, Map.of("t", new ClockObservations.Clock(15, 30)), 2);

        // Then the first observation is published, the second is not
        assertThat(movable).containsEntry("t", 10L);
        observations.published("t", 10);
        assertThat(observations.horizonOf("t")).isEqualTo(OptionalLong.of(10));
        assertThat(observations.oldestPendingNanos()).isEqualTo(OptionalLong.of(1));
    }

    @Test
    void nothingIsPendingOncePublished() {
        observations.observe(3, Map.of("t", new ClockObservations.Clock(4, 2)), 0);
        observations.published("t", 4);

        assertThat(observations.oldestPendingNanos()).isEmpty();
        assertThat(observations.observe(3, Map.of("t", new ClockObservations.Clock(4, 2)), 1)).isEmpty();
    }

    @Test
    void tablesThatNoLongerExistAreForgotten() {
        observations.observe(3, Map.of("t", new ClockObservations.Clock(4, 9)), 0);

        observations.retain(Set.of());

        assertThat(observations.oldestPendingNanos()).isEmpty();
        assertThat(observations.horizonOf("t")).isEmpty();
    }
}
