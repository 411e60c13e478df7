package io.edgesync.events;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import io.edgesync.central.CentralOutbox;
import io.edgesync.central.CentralStore;
import io.edgesync.central.CentralTableService;
import io.edgesync.central.CudEventConsumer;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.config.Role;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Starts and stops the parts of the event pipeline this process's role runs, and keeps their housekeeping:
 *
 * <ul> <li>edge (roles {@code edge} and {@code all}): the outbox relay to the CUD topic, the change-stream consumer
 * (changes and central's heartbeats);</li> <li>central (roles {@code central} and {@code all}): the CUD consumer, the
 * central outbox relay to the change and conflict topics, the heartbeat, the purge of master tombstones;</li> <li>both:
 * topic creation (when configured), outbox lag metrics, retention of relayed outbox rows and processed event ids.</li>
 * </ul>
 *
 * Relays and consumers start once the topics exist, so a broker's automatic topic creation never makes them with the
 * wrong settings; Kafka being unreachable at start-up only delays them.
 */
@ApplicationScoped
public class EventPipeline {

    private static final Duration DB_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STATS_INTERVAL = Duration.ofSeconds(2);
    private static final Duration TOPIC_RETRY = Duration.ofSeconds(2);
    private static final int RETENTION_BATCH = 5_000;

    private final EdgeSyncConfig config;
    private final Pool pool;
    private final KafkaClients clients;
    private final EventTopics topics;
    private final EdgeIdentity identity;
    private final EdgeOutbox edgeOutbox;
    private final CentralOutbox centralOutbox;
    private final EdgeChangeConsumer changeHandler;
    private final CudEventConsumer cudHandler;
    private final CentralTableService central;
    private final CentralStore centralStore;
    private final ChangeStreamFreshness freshness;
    private final MeterRegistry metrics;

    private final List<OutboxRelay> relays = new CopyOnWriteArrayList<>();
    private final OutboxWakeUps wakeUps;
    private final List<KafkaConsumerLoop> consumers = new ArrayList<>();
    private final Map<String, OutboxSource> outboxes = new LinkedHashMap<>();
    private final Map<String, OutboxGauges> gauges = new ConcurrentHashMap<>();
    private volatile boolean topicsReady;
    private volatile Optional<String> topicFailure = Optional.empty();
    private ScheduledExecutorService housekeeping;
    private CentralHeartbeat heartbeat;

    public EventPipeline(EdgeSyncConfig config, Pool pool, KafkaClients clients, EventTopics topics,
            EdgeIdentity identity, EdgeOutbox edgeOutbox, CentralOutbox centralOutbox,
            EdgeChangeConsumer changeHandler, CudEventConsumer cudHandler, CentralTableService central,
            CentralStore centralStore, ChangeStreamFreshness freshness, MeterRegistry metrics) {
        this.config = config;
        this.pool = pool;
        this.wakeUps = new OutboxWakeUps(outbox -> pool.preparedQuery("SELECT pg_notify($1, $2)")
                .execute(Tuple.of(OutboxWakeUps.CHANNEL, outbox))
                .replaceWithVoid());
        this.clients = clients;
        this.topics = topics;
        this.identity = identity;
        this.edgeOutbox = edgeOutbox;
        this.centralOutbox = centralOutbox;
        this.changeHandler = changeHandler;
        this.cudHandler = cudHandler;
        this.central = central;
        this.centralStore = centralStore;
        this.freshness = freshness;
        this.metrics = metrics;
    }

    /** Live values behind the outbox gauges. */
    private static final class OutboxGauges {
        final AtomicLong unsent = new AtomicLong();
        volatile OutboxSource.OutboxStats stats = OutboxSource.OutboxStats.EMPTY;
        volatile boolean known;
    }

    void start(@Observes StartupEvent event) {
        Role role = config.role();
        EdgeSyncConfig.Events events = config.events();
        Duration idle = Duration.ofMillis(Math.max(10, events.relayIdleMillis()));
        topicsReady = !topics.createsTopics();
        if (role.includes(Role.EDGE)) {
            outboxes.put(edgeOutbox.name(), edgeOutbox);
            relays.add(new OutboxRelay(edgeOutbox, pool, clients, metrics, events.relayBatchSize(), idle,
                    this::topicsReady));
            KafkaConsumerLoop changes = new KafkaConsumerLoop("changes", clients, identity.changesGroup(),
                    List.of(topics.changesTopic(), topics.heartbeatsTopic()), EdgeChangeConsumer.BATCH_SIZE,
                    this::handleChangeStream, metrics, this::topicsReady);
            freshness.lagFrom(changes::lag);
            consumers.add(changes);
        }
        if (role.includes(Role.CENTRAL)) {
            outboxes.put(centralOutbox.name(), centralOutbox);
            relays.add(new OutboxRelay(centralOutbox, pool, clients, metrics, events.relayBatchSize(), idle,
                    this::topicsReady));
            KafkaConsumerLoop cud = new KafkaConsumerLoop("cud", clients, events.centralGroup(),
                    List.of(topics.cudTopic()), CudEventConsumer.BATCH_SIZE, this::handleCudEvents, metrics,
                    this::topicsReady);
            consumers.add(cud);
            long interval = TimeUnit.SECONDS.toMillis(Math.max(1, events.heartbeatIntervalSeconds()));
            heartbeat = new CentralHeartbeat(clients, topics.heartbeatsTopic(), EdgeIdentity.hostName(), cud,
                    (int) Math.max(2_000, interval));
        }
        outboxes.keySet().forEach(this::registerGauges);

        housekeeping = Executors.newScheduledThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "edgesync-events-housekeeping");
            thread.setDaemon(true);
            return thread;
        });
        if (!topicsReady) {
            housekeeping.execute(this::createTopics);
        }
        housekeeping.scheduleWithFixedDelay(this::refreshStats, 0, STATS_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        long retentionSeconds = Math.max(60, events.retentionIntervalSeconds());
        housekeeping.scheduleWithFixedDelay(this::applyRetention, 60, retentionSeconds, TimeUnit.SECONDS);
        if (role.includes(Role.CENTRAL)) {
            long purgeSeconds = Math.max(10, config.tables().purgeIntervalSeconds());
            housekeeping.scheduleWithFixedDelay(this::purgeMasterTombstones, purgeSeconds, purgeSeconds,
                    TimeUnit.SECONDS);
        }
        if (heartbeat != null) {
            long interval = TimeUnit.SECONDS.toMillis(Math.max(1, events.heartbeatIntervalSeconds()));
            housekeeping.scheduleWithFixedDelay(this::beat, 0, interval, TimeUnit.MILLISECONDS);
        }
        relays.forEach(OutboxRelay::start);
        consumers.forEach(KafkaConsumerLoop::start);
        if (role.includes(Role.EDGE)) {
            Log.infof("Edge %s: CUD events to %s, change stream %s in group %s", identity.edgeId(),
                    topics.cudTopic(), topics.changesTopic(), identity.changesGroup());
        }
        if (role.includes(Role.CENTRAL)) {
            Log.infof("Central table service: CUD events from %s in group %s, changes to %s, conflicts to %s",
                    topics.cudTopic(), events.centralGroup(), topics.changesTopic(), topics.conflictsTopic());
        }
    }

    void stop(@Observes ShutdownEvent event) {
        long begin = System.nanoTime();
        if (housekeeping != null) {
            housekeeping.shutdownNow();
        }
        consumers.forEach(KafkaConsumerLoop::stop);
        relays.forEach(OutboxRelay::stop);
        if (heartbeat != null) {
            heartbeat.close();
        }
        long millis = Duration.ofNanos(System.nanoTime() - begin).toMillis();
        if (millis > 2_000) {
            Log.warnf("Stopping the event pipeline took %d ms", millis);
        }
    }

    /** The edge's change-stream consumer: changes go to the cache, heartbeats to the freshness of the stream. */
    private void handleChangeStream(List<ConsumerRecord<String, String>> batch,
            BiConsumer<ConsumerRecord<String, String>, EventFormatException> invalid) {
        if (batch.get(0).topic().equals(topics.heartbeatsTopic())) {
            freshness.heartbeats(batch, invalid);
            return;
        }
        changeHandler.handleAll(batch, invalid);
        freshness.changesApplied();
    }

    private void beat() {
        if (topicsReady) {
            heartbeat.beat();
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
        rowsCommitted(edgeOutbox.name());
    }

    /**
     * Applies CUD events as the central service, then wakes the central relay, which publishes the changes they made at
     * once instead of at the end of its pause.
     */
    private void handleCudEvents(List<ConsumerRecord<String, String>> batch,
            BiConsumer<ConsumerRecord<String, String>, EventFormatException> invalid) {
        cudHandler.handleAll(batch, invalid);
        rowsCommitted(centralOutbox.name());
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
                int deleted = 0;
                int batch;
                do {
                    batch = source.deleteSentBefore(pool, outboxCutoff, RETENTION_BATCH).await().atMost(DB_TIMEOUT);
                    deleted += batch;
                } while (batch == RETENTION_BATCH);
                if (deleted > 0) {
                    Log.infof("Outbox retention: deleted %d relayed rows of the %s outbox", deleted, name);
                }
            } catch (RuntimeException e) {
                Log.warnf("Outbox retention of %s failed: %s", name, e.getMessage());
            }
        });
        if (config.role().includes(Role.CENTRAL)) {
            Instant eventCutoff = Instant.now()
                    .minus(Duration.ofDays(config.events().processedEventRetentionDays()));
            try {
                int forgotten = 0;
                int batch;
                do {
                    batch = centralStore.forgetEventsBefore(pool, eventCutoff, RETENTION_BATCH)
                            .await()
                            .atMost(DB_TIMEOUT);
                    forgotten += batch;
                } while (batch == RETENTION_BATCH);
                if (forgotten > 0) {
                    Log.infof("Forgot %d processed event ids older than %d days", forgotten,
                            config.events().processedEventRetentionDays());
                }
            } catch (RuntimeException e) {
                Log.warnf("Processed-event retention failed: %s", e.getMessage());
            }
        }
    }

    private void purgeMasterTombstones() {
        try {
            int purged = central.purgeTombstones(Duration.ofDays(config.tables().tombstoneRetentionDays()))
                    .await()
                    .atMost(Duration.ofMinutes(5));
            if (purged > 0) {
                Log.infof("Purged %d master tombstones", purged);
            }
        } catch (RuntimeException e) {
            Log.warnf("Master tombstone purge failed: %s", e.getMessage());
        }
    }
}
