package io.edgesync.notify;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.edgesync.config.EdgeSyncConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;

/**
 * Change streams of devices: a {@code ready} event, then an announcement for each change of a followed table, with
 * keep-alives in between so that proxies keep the connection open and clients can tell a dead stream from a quiet one.
 */
@ApplicationScoped
public class ChangeStreamService {

    /** Ends a stream when the announcements end (the application stops), which the keep-alives never do. */
    private static final StreamEvent END = new StreamEvent("end", null);

    private final Supplier<Multi<TableChange>> changes;
    private final int heartbeatSeconds;
    private final AtomicInteger openStreams = new AtomicInteger();
    private final Map<String, AtomicInteger> perDevice = new ConcurrentHashMap<>();
    private final Map<String, Counter> sent;

    @Inject
    public ChangeStreamService(ChangeListener listener, EdgeSyncConfig config, MeterRegistry metrics) {
        this(listener::changes, config.notifications().heartbeatSeconds(), metrics);
    }

    ChangeStreamService(Supplier<Multi<TableChange>> changes, int heartbeatSeconds, MeterRegistry metrics) {
        if (heartbeatSeconds <= 0) {
            throw new IllegalArgumentException("edgesync.notifications.heartbeat-seconds must be positive");
        }
        this.changes = changes;
        this.heartbeatSeconds = heartbeatSeconds;
        this.sent = Map.of(
                StreamEvent.READY, sentCounter(metrics, StreamEvent.READY),
                StreamEvent.CHANGE, sentCounter(metrics, StreamEvent.CHANGE),
                StreamEvent.KEEP_ALIVE_COMMENT, sentCounter(metrics, StreamEvent.KEEP_ALIVE_COMMENT));
        Gauge.builder("edgesync.sse.connections", openStreams, AtomicInteger::get)
                .description("Open change-notification streams (server-sent events)")
                .register(metrics);
    }

    /**
     * Opens a device's stream. Nothing happens until it is subscribed; cancelling the subscription (the client went
     * away) closes it.
     */
    public Multi<StreamEvent> openStream(String deviceId, FollowedTables followed) {
        return openStream(deviceId, followed, Optional.empty(), Duration.ofSeconds(heartbeatSeconds));
    }

    /** Opens the stream of a device used by {@code caller}: changes of other users' rows are not announced. */
    public Multi<StreamEvent> openStream(String deviceId, FollowedTables followed, Optional<String> caller) {
        return openStream(deviceId, followed, caller, Duration.ofSeconds(heartbeatSeconds));
    }

    /** Streams open for a device right now. */
    public int openStreamsOf(String deviceId) {
        AtomicInteger open = perDevice.get(deviceId);
        return open == null ? 0 : open.get();
    }

    Multi<StreamEvent> openStream(String deviceId, FollowedTables followed, Duration heartbeat) {
        return openStream(deviceId, followed, Optional.empty(), heartbeat);
    }

    Multi<StreamEvent> openStream(String deviceId, FollowedTables followed, Optional<String> caller,
            Duration heartbeat) {
        Multi<StreamEvent> announcements = changes.get()
                .filter(change -> followed.includes(change.table()) && change.visibleTo(caller))
                .map(StreamEvent::change)
                .onCompletion()
                .continueWith(END);
        Multi<StreamEvent> keepAlives = Multi.createFrom()
                .ticks()
                .startingAfter(heartbeat)
                .every(heartbeat)
                .onOverflow()
                .drop()
                .map(tick -> StreamEvent.keepAlive());
        Multi<StreamEvent> live = Multi.createBy()
                .merging()
                .streams(announcements, keepAlives)
                .select()
                .first(event -> event != END);
        // ready first; the live part subscribes right after emitting it, long before a client can react to it
        return Multi.createBy()
                .concatenating()
                .streams(Multi.createFrom().item(StreamEvent.ready(followed, heartbeatSeconds)), live)
                .onSubscription()
                .invoke(() -> streamOpened(deviceId, followed))
                .onItem()
                .invoke(this::countSent)
                .onTermination()
                .invoke(() -> streamClosed(deviceId));
    }

    /** Open streams; the {@code edgesync.sse.connections} gauge. */
    public int openStreamCount() {
        return openStreams.get();
    }

    private void streamOpened(String deviceId, FollowedTables followed) {
        perDevice.computeIfAbsent(deviceId, id -> new AtomicInteger()).incrementAndGet();
        int open = openStreams.incrementAndGet();
        Log.debugf("Change stream of device %s opened for %s (%d open)", deviceId, followed, open);
    }

    private void streamClosed(String deviceId) {
        perDevice.computeIfPresent(deviceId, (id, count) -> count.decrementAndGet() <= 0 ? null : count);
        int open = openStreams.decrementAndGet();
        Log.debugf("Change stream of device %s closed (%d open)", deviceId, open);
    }

    private void countSent(StreamEvent event) {
        sent.get(event.metricName()).increment();
    }

    private static Counter sentCounter(MeterRegistry metrics, String event) {
        return Counter.builder("edgesync.sse.events.sent")
                .description("Events and keep-alives sent on change-notification streams")
                .tag("event", event)
                .register(metrics);
    }
}
