package io.edgesync.notify;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;

import static org.assertj.core.api.Assertions.assertThat;

class ChangeStreamServiceTest {

    private final BroadcastProcessor<TableChange> changes = BroadcastProcessor.create();
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final ChangeStreamService streams = new ChangeStreamService(() -> changes, 15, metrics);

    @Test
    void streamStartsWithReadyAndCarriesChangesOfFollowedTablesOnly() {
        // Given a stream that follows todoitem
        AssertSubscriber<StreamEvent> device = streams
                .openStream("device-1", FollowedTables.parse(List.of("TodoItem")))
                .subscribe()
                .withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));

        // When todoitem and another table change
        TableChange todo = new TableChange("todoitem", Instant.now());
        changes.onNext(new TableChange("other", Instant.now()));
        changes.onNext(todo);

        // Then the device got ready, then the todoitem change only
        List<StreamEvent> events = device.awaitItems(2).getItems();
        assertThat(events.get(0).name()).isEqualTo(StreamEvent.READY);
        assertThat(events.get(0).data()).isEqualTo(new StreamEvent.Ready(false, List.of("todoitem"), 15));
        assertThat(events.get(1)).isEqualTo(new StreamEvent(StreamEvent.CHANGE, todo));
        assertThat(events).hasSize(2);
        assertThat(metrics.get("edgesync.sse.events.sent").tag("event", "change").counter().count())
                .isEqualTo(1.0);
    }

    @Test
    void quietStreamCarriesKeepAlives() {
        // Given a stream with a short heartbeat
        AssertSubscriber<StreamEvent> device = streams
                .openStream("device-1", FollowedTables.all(), Duration.ofMillis(50))
                .subscribe()
                .withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));

        // When nothing changes, Then keep-alives follow ready
        device.awaitItems(3, Duration.ofSeconds(5))
                .cancel();
        List<StreamEvent> events = List.copyOf(device.getItems());
        assertThat(events.get(0).data()).isEqualTo(new StreamEvent.Ready(true, List.of(), 15));
        assertThat(events.subList(1, events.size())).isNotEmpty().allMatch(StreamEvent::isKeepAlive);
    }

    @Test
    void gaugeCountsOpenStreamsUntilTheyAreCancelled() {
        // Given two open streams
        AssertSubscriber<StreamEvent> first = streams.openStream("device-1", FollowedTables.all())
                .subscribe()
                .withSubscriber(AssertSubscriber.create(1));
        AssertSubscriber<StreamEvent> second = streams.openStream("device-2", FollowedTables.all())
                .subscribe()
                .withSubscriber(AssertSubscriber.create(1));
        assertThat(metrics.get("edgesync.sse.connections").gauge().value()).isEqualTo(2.0);

        // When one client goes away
        first.cancel();

        // Then one stream is counted
        assertThat(metrics.get("edgesync.sse.connections").gauge().value()).isEqualTo(1.0);
        second.cancel();
        assertThat(streams.openStreamCount()).isZero();
    }

    @Test
    void streamsCompleteWhenTheAnnouncementsEnd() {
        AssertSubscriber<StreamEvent> device = streams.openStream("device-1", FollowedTables.all())
                .subscribe()
                .withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));

        changes.onComplete();

        device.awaitCompletion();
        assertThat(streams.openStreamCount()).isZero();
    }
}
