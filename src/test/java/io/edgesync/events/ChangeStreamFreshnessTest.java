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
        // Given an edge that has heard nothing from central since it started
        // When it looks at its stream 20 s after the start, then the stream is still current
        assertThat(freshness.state(start.plusSeconds(20)).stalled()).isFalse();

        // When 21 s have passed
        ChangeStreamFreshness.State later = freshness.state(start.plusSeconds(21));
        // Then the stream is stalled, nothing from central since the start
        assertThat(later.stalled()).isTrue();
        assertThat(later.reason()).hasValueSatisfying(reason -> assertThat(reason)
                .startsWith("nothing from the central service since the start, 21 s ago"));
        // And there is neither a heartbeat nor a change to count from
        assertThat(later.sinceHeartbeat()).isEmpty();
        assertThat(later.sinceChange()).isEmpty();
    }

    @Test
    void heartbeatsKeepTheStreamCurrentAndTheirAbsenceStallsIt() {
        // Given a heartbeat of central-a, sent 100 s after the start, that says it applies events
        receive(beat("central-a", start.plusSeconds(100), true, null));

        // When the stream is looked at 3 s later
        ChangeStreamFreshness.State fresh = freshness.state(start.plusSeconds(103));
        // Then it is current, 3 s since the heartbeat
        assertThat(fresh.stalled()).isFalse();
        assertThat(fresh.sinceHeartbeat()).contains(Duration.ofSeconds(3));

        // When it is looked at 25 s after the heartbeat
        ChangeStreamFreshness.State quiet = freshness.state(start.plusSeconds(125));
        // Then it is stalled: nothing from central for 25 s
        assertThat(quiet.stalled()).isTrue();
        assertThat(quiet.reason()).hasValueSatisfying(reason -> assertThat(reason)
                .startsWith("nothing from the central service for 25 s"));
        assertThat(quiet.sinceHeartbeat()).contains(Duration.ofSeconds(25));
    }

    @Test
    void aHeartbeatReadLateCountsFromWhenCentralSentIt() {
        // Given a consumer far behind that reads now a heartbeat central sent 60 s ago
        receive(beat("central-a", Instant.now().minusSeconds(60), true, null));

        // Then the stream is stalled: it is as old as what the heartbeat carries
        assertThat(freshness.state(Instant.now()).stalled()).isTrue();
    }

    @Test
    void appliedChangesAreNewsFromCentralToo() {
        // Given a heartbeat of central-a at the start
        receive(beat("central-a", start, true, null));
        // When changes from central are applied
        freshness.changesApplied();

        // Then the stream is current, with a time since the last change
        assertThat(freshness.state(Instant.now()).stalled()).isFalse();
        assertThat(freshness.state(Instant.now()).sinceChange()).isPresent();
    }

    @Test
    void aCentralThatBeatsButCannotApplyStallsTheStreamWithItsReason() {
        // Given a heartbeat of central-a that says it cannot apply events, the database being unavailable
        receive(beat("central-a", start.plusSeconds(100), false, "database unavailable"));

        // When the stream is looked at a second later
        ChangeStreamFreshness.State state = freshness.state(start.plusSeconds(101));
        // Then it is stalled, with central-a's reason
        assertThat(state.stalled()).isTrue();
        assertThat(state.reason()).contains("the central service central-a cannot apply events: database unavailable");
    }

    @Test
    void withSeveralCentralInstancesOneThatCannotApplyStallsTheStreamWhileItStillBeats() {
        // Given heartbeats of central-a, which applies events, and of central-b, which cannot
        receive(beat("central-a", start.plusSeconds(100), true, null), beat("central-b", start.plusSeconds(101),
                false, "database unavailable"));
        // Then the stream gives central-b's reason
        assertThat(freshness.state(start.plusSeconds(102)).reason())
                .contains("the central service central-b cannot apply events: database unavailable");

        // When central-b stops beating (it left; its partitions went to central-a) and central-a beats again
        receive(beat("central-a", start.plusSeconds(130), true, null));
        // Then central-a alone counts: the stream is current
        assertThat(freshness.state(start.plusSeconds(131)).stalled()).isFalse();
    }

    @Test
    void anOlderHeartbeatOfAnInstanceDoesNotReplaceANewerOne() {
        // Given a heartbeat of central-a, then an older one of it that says it cannot apply events
        receive(beat("central-a", start.plusSeconds(100), true, null),
                beat("central-a", start.plusSeconds(50), false, "database unavailable"));

        // Then the newer one counts: the stream is current
        assertThat(freshness.state(start.plusSeconds(101)).stalled()).isFalse();
    }

    @Test
    void aRecordThatIsNotAHeartbeatIsReportedAndSkipped() {
        // When a record that is not a heartbeat comes in
        freshness.heartbeats(List.of(record("{\"central\":\"x\"}")), (record, e) -> invalid.add(e.getMessage()));

        // Then it is reported as a heartbeat without a boolean applying
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
