package io.edgesync.events;

import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.config.Role;

/**
 * The edge's part of the event pipeline: its outbox of CUD events, and the change stream (central's changes and
 * heartbeats) it applies to its cache.
 */
@ApplicationScoped
public class EdgePipelineRole implements PipelineRole {

    private final EdgeSyncConfig config;
    private final EventTopics topics;
    private final EdgeIdentity identity;
    private final EdgeOutbox outbox;
    private final EdgeChangeConsumer changes;
    private final ChangeStreamFreshness freshness;

    public EdgePipelineRole(EdgeSyncConfig config, EventTopics topics, EdgeIdentity identity, EdgeOutbox outbox,
            EdgeChangeConsumer changes, ChangeStreamFreshness freshness) {
        this.config = config;
        this.topics = topics;
        this.identity = identity;
        this.outbox = outbox;
        this.changes = changes;
        this.freshness = freshness;
    }

    @Override
    public boolean enabled() {
        return config.role().includes(Role.EDGE);
    }

    @Override
    public OutboxSource outbox() {
        return outbox;
    }

    @Override
    public Consumption consumption() {
        return new Consumption("changes", identity.changesGroup(),
                List.of(topics.changesTopic(), topics.heartbeatsTopic()), EdgeChangeConsumer.BATCH_SIZE,
                this::handle, false);
    }

    @Override
    public void starting(KafkaConsumerLoop consumer, Housekeeping housekeeping,
            BooleanSupplier topicsReady) {
        freshness.lagFrom(consumer::lag);
    }

    @Override
    public String describe() {
        return String.format("Edge %s: CUD events to %s, change stream %s in group %s", identity.edgeId(),
                topics.cudTopic(), topics.changesTopic(), identity.changesGroup());
    }

    /** Changes go to the cache, heartbeats to the freshness of the stream. */
    private void handle(List<ConsumerRecord<String, String>> batch,
            BiConsumer<ConsumerRecord<String, String>, EventFormatException> invalid) {
        if (batch.get(0).topic().equals(topics.heartbeatsTopic())) {
            freshness.heartbeats(batch, invalid);
            return;
        }
        changes.handleAll(batch, invalid);
        freshness.changesApplied();
    }
}
