package io.edgesync.events;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When an edge calls its change stream stalled: nothing from central (no change, no heartbeat) for longer than the
 * configured time, or a central instance that still beats saying it cannot apply events.
 */
class ChangeStreamFreshnessTest {

    private static final Duration STALLED_AFTER = Duration.ofSeconds(20);
    private final Instant start = Instant.parse("2026-12-05T10:00:00Z");
    private final ChangeStreamFreshness freshness = new ChangeStreamFreshness(STALLED_AFTER, start);
    private final List<String> invalid = new ArrayList<>();

    @Test
    void beforeAnythingArrivedTheStreamIsCurrentUntilTheStalledTimeHasPassedSinceTheStart() {
        assertThat(freshness.state(start.plusSeconds(20)).stalled()).isFalse();

        ChangeStreamFreshness.State later = freshness.state(start.plusSeconds(21));
        assertThat(later.stalled()).isTrue();
        assertThat(later.reason()).hasValueSatisfying(reason -> assertThat(reason)
                .startsWith("nothing from the central service since the start, 21 s ago"));
        assertThat(later.sinceHeartbeat()).isEmpty();
        assertThat(later.sinceChange()).isEmpty();
    }

    @Test
    void heartbeatsKeepTheStreamCurrentAndTheirAbsenceStallsIt() {
        receive(beat("central-a", start.plusSeconds(100), true, null));

        ChangeStreamFreshness.State fresh = freshness.state(start.plusSeconds(103));
        assertThat(fresh.stalled()).isFalse();
        assertThat(fresh.sinceHeartbeat()).contains(Duration.ofSeconds(3));

        ChangeStreamFreshness.State quiet = freshness.state(start.plusSeconds(125));
        assertThat(quiet.stalled()).isTrue();
        assertThat(quiet.reason()).hasValueSatisfying(reason -> assertThat(reason)
                .startsWith("nothing from the central service for 25 s"));
        assertThat(quiet.sinceHeartbeat()).contains(Duration.ofSeconds(25));
    }

    @Test
    void aHeartbeatReadLateCountsFromWhenCentralSentIt() {
        // A consumer far behind reads an old heartbeat now: the stream is as old as what it carries
        receive(beat("central-a", Instant.now().minusSeconds(60), true, null));

        assertThat(freshness.state(Instant.now()).stalled()).isTrue();
    }

    @Test
    void appliedChangesAreNewsFromCentralToo() {
        receive(beat("central-a", start, true, null));
        freshness.changesApplied();

        assertThat(freshness.state(Instant.now()).stalled()).isFalse();
        assertThat(freshness.state(Instant.now()).sinceChange()).isPresent();
    }

    @Test
    void aCentralThatBeatsButCannotApplyStallsTheStreamWithItsReason() {
        receive(beat("central-a", start.plusSeconds(100), false, "database unavailable"));

        ChangeStreamFreshness.State state = freshness.state(start.plusSeconds(101));
        assertThat(state.stalled()).isTrue();
        assertThat(state.reason()).contains("the central service central-a cannot apply events: database unavailable");
    }

    @Test
    void withSeveralCentralInstancesOneThatCannotApplyStallsTheStreamWhileItStillBeats() {
        receive(beat("central-a", start.plusSeconds(100), true, null), beat("central-b", start.plusSeconds(101),
                false, "database unavailable"));
        assertThat(freshness.state(start.plusSeconds(102)).reason())
                .contains("the central service central-b cannot apply events: database unavailable");

        // Once central-b stopped beating (it left; its partitions went to central-a), central-a alone counts
        receive(beat("central-a", start.plusSeconds(130), true, null));
        assertThat(freshness.state(start.plusSeconds(131)).stalled()).isFalse();
    }

    @Test
    void anOlderHeartbeatOfAnInstanceDoesNotReplaceANewerOne() {
        receive(beat("central-a", start.plusSeconds(100), true, null),
                beat("central-a", start.plusSeconds(50), false, "database unavailable"));

        assertThat(freshness.state(start.plusSeconds(101)).stalled()).isFalse();
    }

    @Test
    void aRecordThatIsNotAHeartbeatIsReportedAndSkipped() {
        freshness.heartbeats(List.of(record("{\"central\":\"x\"}")), (record, e) -> invalid.add(e.getMessage()));

        assertThat(invalid).containsExactly("Heartbeat without a boolean applying");
    }

    private void receive(Heartbeat... heartbeats) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        for (Heartbeat heartbeat : heartbeats) {
            records.add(record(EventCodec.encodeHeartbeat(heartbeat)));
        }
        freshness.heartbeats(records, (record, e) -> invalid.add(e.getMessage()));
        assertThat(invalid).isEmpty();
    }

    private static Heartbeat beat(String central, Instant time, boolean applying, String reason) {
        return new Heartbeat(central, time, applying, Optional.ofNullable(reason), 0);
    }

    private static ConsumerRecord<String, String> record(String value) {
        return new ConsumerRecord<>("edgesync.heartbeats", 0, 0, "central", value);
    }
}
