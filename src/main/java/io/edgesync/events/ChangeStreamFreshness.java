package io.edgesync.events;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.config.Role;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * How current an edge's change stream is: when the last change and the last heartbeat of the central service arrived,
 * how far the edge's consumer is behind, and whether the stream has stalled (nothing from central for
 * {@code edgesync.events.stalled-after-seconds}, or central saying it cannot apply events). A stalled stream does not
 * make the edge unready: it keeps serving its devices from its cache, and their changes wait in the outbox.
 */
@ApplicationScoped
public class ChangeStreamFreshness {

    /** What readiness and the metrics show. */
    public record State(boolean stalled, Optional<String> reason, Optional<Duration> sinceHeartbeat,
            Optional<Duration> sinceChange, long consumerLag) {
    }

    private final Duration stalledAfter;
    private final Instant watchingSince;
    private volatile Optional<Instant> lastChange = Optional.empty();
    /** The newest heartbeat of each central instance. */
    private final Map<String, Heartbeat> newest = new ConcurrentHashMap<>();
    private volatile LongSupplier consumerLag = () -> 0;

    @Inject
    public ChangeStreamFreshness(EdgeSyncConfig config, MeterRegistry metrics) {
        this(Duration.ofSeconds(Math.max(1, config.events().stalledAfterSeconds())), Instant.now());
        if (!config.role().includes(Role.EDGE)) {
            return;
        }
        Gauge.builder("edgesync.changes.heartbeat.age", this,
                f -> f.state(Instant.now()).sinceHeartbeat().map(d -> d.toMillis() / 1000.0).orElse(Double.NaN))
                .description("Time since the central service sent the newest heartbeat this edge received"
                        + " (NaN before the first)")
                .baseUnit("seconds")
                .register(metrics);
        Gauge.builder("edgesync.changes.lag", this, f -> f.consumerLag.getAsLong())
                .description("Messages of the change stream and heartbeats this edge has not read yet")
                .register(metrics);
        Gauge.builder("edgesync.changes.stalled", this, f -> f.state(Instant.now()).stalled() ? 1 : 0)
                .description("1 while the change stream from the central service has stalled at this edge, else 0")
                .register(metrics);
    }

    /** A stream watched since {@code watchingSince}, stalled after {@code stalledAfter} without news, no metrics. */
    ChangeStreamFreshness(Duration stalledAfter, Instant watchingSince) {
        this.stalledAfter = stalledAfter;
        this.watchingSince = watchingSince;
    }

    /** Where the consumer's lag comes from. */
    void lagFrom(LongSupplier lag) {
        this.consumerLag = lag;
    }

    /** Changes of the stream were applied. */
    void changesApplied() {
        lastChange = Optional.of(Instant.now());
    }

    /** Reads heartbeats (consecutive records of the heartbeats topic), keeping the newest. */
    void heartbeats(List<ConsumerRecord<String, String>> records,
            BiConsumer<ConsumerRecord<String, String>, EventFormatException> invalid) {
        for (ConsumerRecord<String, String> record : records) {
            try {
                Heartbeat heartbeat = EventCodec.decodeHeartbeat(record.value());
                newest.merge(heartbeat.central(), heartbeat,
                        (known, arrived) -> arrived.time().isBefore(known.time()) ? known : arrived);
            } catch (EventFormatException e) {
                invalid.accept(record, e);
            }
        }
    }

    /**
     * The stream's state at {@code now}. With several central instances, the stream is stalled as soon as one that is
     * still beating cannot apply events: the partitions it holds stand still.
     */
    public State state(Instant now) {
        Optional<Heartbeat> latest = newest.values().stream().max(Comparator.comparing(Heartbeat::time));
        Optional<Heartbeat> notApplying = newest.values()
                .stream()
                .filter(h -> !h.applying() && Duration.between(h.time(), now).compareTo(stalledAfter) <= 0)
                .findFirst();
        Optional<Duration> sinceHeartbeat = latest.map(h -> nonNegative(Duration.between(h.time(), now)));
        Optional<Duration> sinceChange = lastChange.map(t -> nonNegative(Duration.between(t, now)));
        Duration quiet = shortest(sinceHeartbeat, sinceChange)
                .orElse(nonNegative(Duration.between(watchingSince, now)));
        Optional<String> reason = Optional.empty();
        if (quiet.compareTo(stalledAfter) > 0) {
            reason = Optional.of((sinceHeartbeat.isPresent() || sinceChange.isPresent()
                    ? "nothing from the central service for " + quiet.toSeconds() + " s"
                    : "nothing from the central service since the start, " + quiet.toSeconds() + " s ago")
                    + " (is it running, and is Kafka reachable?)");
        } else if (notApplying.isPresent()) {
            reason = Optional.of("the central service " + notApplying.get().central() + " cannot apply events: "
                    + notApplying.get().reason().orElse("unknown reason"));
        }
        return new State(reason.isPresent(), reason, sinceHeartbeat, sinceChange, consumerLag.getAsLong());
    }

    private static Optional<Duration> shortest(Optional<Duration> a, Optional<Duration> b) {
        if (a.isPresent() && b.isPresent()) {
            return Optional.of(a.get().compareTo(b.get()) <= 0 ? a.get() : b.get());
        }
        return a.or(() -> b);
    }

    private static Duration nonNegative(Duration duration) {
        return duration.isNegative() ? Duration.ZERO : duration;
    }
}
