package io.edgesync.notify;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.edgesync.common.DomainException;
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
    /** Streams held per device and per caller, counted from the guard's reservation to the response's end. */
    private final Map<String, AtomicInteger> held = new ConcurrentHashMap<>();
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
        return openStream(deviceId, followed, change -> true, Duration.ofSeconds(heartbeatSeconds));
    }

    /**
     * Opens the stream of a device for a caller: only the changes {@code audience} lets through are announced (the
     * caller's rows of the tables it may read).
     */
    public Multi<StreamEvent> openStream(String deviceId, FollowedTables followed, Predicate<TableChange> audience) {
        return openStream(deviceId, followed, audience, Duration.ofSeconds(heartbeatSeconds));
    }

    /**
     * Holds a place for one more stream of {@code deviceId} opened by {@code caller} (a user, or a client address for
     * callers without a token), or answers 429 when either already holds its most: rotating device ids does not get a
     * caller more streams. Both counts are taken at once, so a burst of requests cannot all pass one check.
     */
    public StreamSlot reserve(String deviceId, String caller, int maxPerDevice, int maxPerCaller) {
        String deviceKey = "device:" + deviceId;
        String callerKey = "caller:" + caller;
        if (!take(deviceKey, maxPerDevice)) {
            throw DomainException.tooMany("The device already has " + maxPerDevice + " open notification streams");
        }
        if (!take(callerKey, maxPerCaller)) {
            give(deviceKey);
            throw DomainException.tooMany("You already have " + maxPerCaller + " open notification streams");
        }
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                give(deviceKey);
                give(callerKey);
            }
        };
    }

    /** A place held for a stream; released once, when its response ends. */
    @FunctionalInterface
    public interface StreamSlot {
        void release();
    }

    /** Streams a device or a caller holds right now (keys {@code device:<id>}, {@code caller:<who>}). */
    int held(String key) {
        AtomicInteger count = held.get(key);
        return count == null ? 0 : count.get();
    }

    private boolean take(String key, int max) {
        boolean[] taken = new boolean[1];
        held.compute(key, (k, count) -> {
            AtomicInteger current = count == null ? new AtomicInteger() : count;
            if (current.get() < max) {
                current.incrementAndGet();
                taken[0] = true;
            }
            return current.get() == 0 ? null : current;
        });
        return taken[0];
    }

    private void give(String key) {
        held.computeIfPresent(key, (k, count) -> count.decrementAndGet() <= 0 ? null : count);
    }

    Multi<StreamEvent> openStream(String deviceId, FollowedTables followed, Duration heartbeat) {
        return openStream(deviceId, followed, change -> true, heartbeat);
    }

    Multi<StreamEvent> openStream(String deviceId, FollowedTables followed, Predicate<TableChange> audience,
            Duration heartbeat) {
        Multi<StreamEvent> announcements = changes.get()
                .filter(change -> followed.includes(change.table()) && audience.test(change))
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
                .first(event -> !END.equals(event));
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
        int open = openStreams.incrementAndGet();
        Log.debugf("Change stream of device %s opened for %s (%d open)", deviceId, followed, open);
    }

    private void streamClosed(String deviceId) {
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
