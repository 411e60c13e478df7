package io.edgesync.events;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;

import io.edgesync.config.EdgeSyncConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Runs the event pipeline of the roles this process has ({@link PipelineRole}: the edge's, the central service's): a
 * relay for each role's outbox, a consumer for what each role consumes, each role's own periodic work, and for all of
 * them topic creation (when configured), outbox lag metrics and the retention of relayed outbox rows. It knows nothing
 * of the roles beyond that.
 *
 * Relays and consumers start once the topics exist, so a broker's automatic topic creation never makes them with the
 * wrong settings; Kafka being unreachable at start-up only delays them.
 */
@ApplicationScoped
public class EventPipeline {

    private static final Duration DB_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STATS_INTERVAL = Duration.ofSeconds(2);
    private static final Duration TOPIC_RETRY = Duration.ofSeconds(2);

    private final EdgeSyncConfig config;
    private final Pool pool;
    private final KafkaClients clients;
    private final EventTopics topics;
    private final List<PipelineRole> roles;
    private final MeterRegistry metrics;

    private final List<OutboxRelay> relays = new CopyOnWriteArrayList<>();
    private final OutboxWakeUps wakeUps;
    private final List<KafkaConsumerLoop> consumers = new ArrayList<>();
    private final Map<String, OutboxSource> outboxes = new LinkedHashMap<>();
    private final Map<String, OutboxGauges> gauges = new ConcurrentHashMap<>();
    private volatile boolean topicsReady;
    private volatile Optional<String> topicFailure = Optional.empty();
    private Housekeeping housekeeping;

    public EventPipeline(EdgeSyncConfig config, Pool pool, KafkaClients clients, EventTopics topics,
            @Any Instance<PipelineRole> roles, MeterRegistry metrics) {
        this.config = config;
        this.pool = pool;
        this.wakeUps = new OutboxWakeUps(outbox -> pool.preparedQuery("SELECT pg_notify($1, $2)")
                .execute(Tuple.of(OutboxWakeUps.CHANNEL, outbox))
                .replaceWithVoid());
        this.clients = clients;
        this.topics = topics;
        this.roles = roles.stream().toList();
        this.metrics = metrics;
    }

    /** Live values behind the outbox gauges. */
    private static final class OutboxGauges {
        final AtomicLong unsent = new AtomicLong();
        volatile OutboxSource.OutboxStats stats = OutboxSource.OutboxStats.EMPTY;
        volatile boolean known;
    }

    void start(@Observes StartupEvent event) {
        EdgeSyncConfig.Events events = config.events();
        Duration idle = Duration.ofMillis(Math.max(10, events.relayIdleMillis()));
        topicsReady = !topics.createsTopics();
        housekeeping = new Housekeeping("edgesync-events-housekeeping", 2);
        // (in the order of their outboxes' names, so that logs and readiness list them the same way every time)
        List<PipelineRole> running = roles.stream()
                .filter(PipelineRole::enabled)
                .sorted(Comparator.comparing(role -> role.outbox().name()))
                .toList();
        for (PipelineRole role : running) {
            OutboxSource outbox = role.outbox();
            outboxes.put(outbox.name(), outbox);
            relays.add(new OutboxRelay(outbox, pool, clients, metrics, events.relayBatchSize(),
                    events.outboxRetentionDays() > 0, idle, this::topicsReady));
            PipelineRole.Consumption consumption = role.consumption();
            KafkaConsumerLoop.BatchHandler handler = consumption.writesOutbox()
                    ? (batch, invalid) -> {
                        consumption.handler().handleAll(batch, invalid);
                        // (its commit wrote the role's outbox: the relay publishes at once, not at its next poll)
                        rowsCommitted(outbox.name());
                    }
                    : consumption.handler();
            KafkaConsumerLoop consumer = new KafkaConsumerLoop(consumption.name(), clients, consumption.group(),
                    consumption.topics(), consumption.batchSize(), handler, metrics, this::topicsReady);
            consumers.add(consumer);
            role.starting(consumer, housekeeping, this::topicsReady);
        }
        outboxes.keySet().forEach(this::registerGauges);

        if (!topicsReady) {
            housekeeping.once(this::createTopics);
        }
        housekeeping.every("Outbox statistics", Duration.ZERO, STATS_INTERVAL, this::refreshStats);
        Duration retention = Duration.ofSeconds(Math.max(60, events.retentionIntervalSeconds()));
        housekeeping.every("Retention", Duration.ofSeconds(60), retention, this::applyRetention);
        relays.forEach(OutboxRelay::start);
        consumers.forEach(KafkaConsumerLoop::start);
        running.forEach(role -> Log.info(role.describe()));
    }

    void stop(@Observes ShutdownEvent event) {
        long begin = System.nanoTime();
        if (housekeeping != null) {
            housekeeping.shutdown();
        }
        consumers.forEach(KafkaConsumerLoop::stop);
        relays.forEach(OutboxRelay::stop);
        roles.stream().filter(PipelineRole::enabled).forEach(PipelineRole::stopped);
        long millis = Duration.ofNanos(System.nanoTime() - begin).toMillis();
        if (millis > 2_000) {
            Log.warnf("Stopping the event pipeline took %d ms", millis);
        }
    }

    /** Whether the topics exist (or are not this process's to create). */
    public boolean topicsReady() {
        return topicsReady;
    }

    /** Why the topics could not be created yet, while they could not. */
    public Optional<String> topicFailure() {
        return topicFailure;
    }

    /** The lag of each outbox this process relays, as last measured. */
    public Map<String, OutboxSource.OutboxStats> outboxStats() {
        Map<String, OutboxSource.OutboxStats> stats = new LinkedHashMap<>();
        outboxes.keySet().forEach(name -> {
            OutboxGauges values = gauges.get(name);
            if (values != null && values.known) {
                stats.put(name, values.stats);
            }
        });
        return stats;
    }

    /** A transaction of this process committed CUD events to the edge outbox: its relay publishes them at once. */
    public void edgeEventsCommitted() {
        rowsCommitted(EdgeOutbox.NAME);
    }

    /**
     * Wakes the relay that publishes {@code outbox}: this process's, or by a notification the one of the process that
     * holds the relay lock.
     */
    private void rowsCommitted(String outbox) {
        for (OutboxRelay relay : relays) {
            if (relay.name().equals(outbox)) {
                if (relay.isLeader()) {
                    relay.rowsCommitted();
                } else {
                    wakeUps.rowsCommitted(outbox);
                }
            }
        }
    }

    /** The Kafka consumers of this process. */
    public List<KafkaConsumerLoop> consumers() {
        return List.copyOf(consumers);
    }

    /** The relays of this process. */
    public List<OutboxRelay> relays() {
        return List.copyOf(relays);
    }

    /** Measures every outbox now (the health check and tests want a current value). */
    public void refreshStats() {
        outboxes.forEach((name, source) -> {
            try {
                OutboxSource.OutboxStats stats = source.stats(pool).await().atMost(DB_TIMEOUT);
                OutboxGauges values = gauges.get(name);
                values.stats = stats;
                values.unsent.set(stats.unsent());
                values.known = true;
            } catch (RuntimeException e) {
                Log.debugf("Could not measure the %s outbox: %s", name, e.getMessage());
            }
        });
    }

    private void registerGauges(String name) {
        OutboxGauges values = gauges.computeIfAbsent(name, n -> new OutboxGauges());
        Gauge.builder("edgesync.outbox.lag", values, v -> v.unsent.get())
                .description("Outbox rows not yet acknowledged by Kafka")
                .tag("outbox", name)
                .register(metrics);
        Gauge.builder("edgesync.outbox.oldest.age", values, v -> v.stats.oldestAgeSeconds(Instant.now()))
                .description("Age of the oldest outbox row not yet acknowledged by Kafka")
                .baseUnit("seconds")
                .tag("outbox", name)
                .register(metrics);
    }

    private void createTopics() {
        while (!topicsReady && !housekeeping.isShutdown()) {
            try {
                topics.createMissingTopics();
                topicsReady = true;
                topicFailure = Optional.empty();
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                if (topicFailure.isEmpty()) {
                    Log.warnf("Kafka topics not created yet (%s); retrying every %d s", e.getMessage(),
                            TOPIC_RETRY.toSeconds());
                }
                topicFailure = Optional.of(String.valueOf(e.getMessage()));
                try {
                    Thread.sleep(TOPIC_RETRY.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void applyRetention() {
        Instant outboxCutoff = Instant.now().minus(Duration.ofDays(config.events().outboxRetentionDays()));
        outboxes.forEach((name, source) -> {
            try {
                int deleted = RetentionBatches.deleteAll(size -> source.deleteSentBefore(pool, outboxCutoff, size));
                if (deleted > 0) {
                    Log.infof("Outbox retention: deleted %d relayed rows of the %s outbox", deleted, name);
                }
            } catch (RuntimeException e) {
                Log.warnf("Outbox retention of %s failed: %s", name, e.getMessage());
            }
        });
        roles.stream().filter(PipelineRole::enabled).forEach(PipelineRole::applyRetention);
    }
}
