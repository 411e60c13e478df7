package io.edgesync.central;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.config.Role;
import io.edgesync.events.EdgeIdentity;
import io.edgesync.events.EventTopics;
import io.edgesync.events.Housekeeping;
import io.edgesync.events.KafkaClients;
import io.edgesync.events.KafkaConsumerLoop;
import io.edgesync.events.OutboxSource;
import io.edgesync.events.PipelineRole;
import io.edgesync.events.RetentionBatches;
import io.quarkus.logging.Log;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * The central service's part of the event pipeline: the CUD events it consumes, its outbox of changes and conflicts,
 * its heartbeat, the purge of master tombstones and the retention of processed event ids.
 */
@ApplicationScoped
public class CentralPipelineRole implements PipelineRole {

    private final EdgeSyncConfig config;
    private final Pool pool;
    private final KafkaClients clients;
    private final EventTopics topics;
    private final CentralOutbox outbox;
    private final CudEventConsumer cudEvents;
    private final CentralTableService central;
    private final CentralStore store;
    private volatile CentralHeartbeat heartbeat;

    public CentralPipelineRole(EdgeSyncConfig config, Pool pool, KafkaClients clients, EventTopics topics,
            CentralOutbox outbox, CudEventConsumer cudEvents, CentralTableService central, CentralStore store) {
        this.config = config;
        this.pool = pool;
        this.clients = clients;
        this.topics = topics;
        this.outbox = outbox;
        this.cudEvents = cudEvents;
        this.central = central;
        this.store = store;
    }

    @Override
    public boolean enabled() {
        return config.role().includes(Role.CENTRAL);
    }

    @Override
    public OutboxSource outbox() {
        return outbox;
    }

    @Override
    public Consumption consumption() {
        return new Consumption("cud", config.events().centralGroup(), List.of(topics.cudTopic()),
                CudEventConsumer.BATCH_SIZE, cudEvents::handleAll, true);
    }

    @Override
    public void starting(KafkaConsumerLoop consumer, Housekeeping housekeeping,
            BooleanSupplier topicsReady) {
        Duration interval = Duration.ofSeconds(Math.max(1, config.events().heartbeatIntervalSeconds()));
        CentralHeartbeat beats = new CentralHeartbeat(clients, topics.heartbeatsTopic(), EdgeIdentity.hostName(),
                consumer, (int) Math.max(2_000, interval.toMillis()));
        heartbeat = beats;
        housekeeping.every("Central's heartbeat", Duration.ZERO, interval, () -> {
            if (topicsReady.getAsBoolean()) {
                beats.beat();
            }
        });
        Duration purge = Duration.ofSeconds(Math.max(10, config.tables().purgeIntervalSeconds()));
        housekeeping.every("Purge of master tombstones", purge, purge, this::purgeMasterTombstones);
    }

    @Override
    public void stopped() {
        CentralHeartbeat beats = heartbeat;
        if (beats != null) {
            beats.close();
        }
    }

    @Override
    public void applyRetention() {
        Instant cutoff = Instant.now().minus(Duration.ofDays(config.events().processedEventRetentionDays()));
        try {
            int forgotten = RetentionBatches.deleteAll(size -> store.forgetEventsBefore(pool, cutoff, size));
            if (forgotten > 0) {
                Log.infof("Forgot %d processed event ids older than %d days", forgotten,
                        config.events().processedEventRetentionDays());
            }
        } catch (RuntimeException e) {
            Log.warnf("Processed-event retention failed: %s", e.getMessage());
        }
    }

    @Override
    public String describe() {
        return String.format("Central table service: CUD events from %s in group %s, changes to %s, conflicts to %s",
                topics.cudTopic(), config.events().centralGroup(), topics.changesTopic(), topics.conflictsTopic());
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
