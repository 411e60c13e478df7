package io.edgesync.events;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

import io.edgesync.config.EdgeSyncConfig;
import io.quarkus.logging.Log;

/**
 * The pipeline's topics: the CUD and conflicts topics, the compacted change stream and the central service's
 * heartbeats. With {@code edgesync.events.create-topics} (the embedded default) missing ones are created with the
 * configured partitions and replication factor; existing ones are left as they are.
 */
@ApplicationScoped
public class EventTopics {

    private static final int TIMEOUT_MILLIS = 5_000;

    private final EdgeSyncConfig.Events config;
    private final KafkaClients clients;

    public EventTopics(EdgeSyncConfig config, KafkaClients clients) {
        this.config = config.events();
        this.clients = clients;
    }

    public String cudTopic() {
        return config.cudTopic();
    }

    public String changesTopic() {
        return config.changesTopic();
    }

    public String conflictsTopic() {
        return config.conflictsTopic();
    }

    public String heartbeatsTopic() {
        return config.heartbeatsTopic();
    }

    /** Whether this process creates the topics (otherwise the deployment declares them). */
    public boolean createsTopics() {
        return config.createTopics();
    }

    /** The topics as they are created when missing. */
    public List<NewTopic> declaredTopics() {
        Optional<Integer> partitions = Optional.of(config.partitions());
        Optional<Short> replication = Optional.of(config.replicationFactor());
        return List.of(
                new NewTopic(config.cudTopic(), partitions, replication)
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE)),
                new NewTopic(config.changesTopic(), partitions, replication)
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
                new NewTopic(config.conflictsTopic(), partitions, replication)
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE)),
                // Only the newest heartbeat matters; an hour of them shows a past outage to whoever looks.
                new NewTopic(config.heartbeatsTopic(), Optional.of(1), replication)
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                                TopicConfig.RETENTION_MS_CONFIG, Long.toString(Duration.ofHours(1).toMillis()))));
    }

    /**
     * Creates the missing topics once. Throws when Kafka does not answer in time; the caller retries.
     *
     * @return the names of the topics this call created
     */
    public List<String> createMissingTopics() throws InterruptedException, TimeoutException {
        try (Admin admin = clients.admin("edgesync-topics", TIMEOUT_MILLIS)) {
            Set<String> existing = admin.listTopics().names().get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (NewTopic topic : declaredTopics()) {
                if (!existing.contains(topic.name())) {
                    missing.add(topic);
                }
            }
            List<String> created = new ArrayList<>();
            if (missing.isEmpty()) {
                return created;
            }
            Map<String, KafkaFuture<Void>> results = admin.createTopics(missing).values();
            for (Map.Entry<String, KafkaFuture<Void>> result : results.entrySet()) {
                try {
                    result.getValue().get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
                    created.add(result.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("Could not create topic " + result.getKey() + ": "
                                + e.getCause().getMessage(), e.getCause());
                    }
                    // Another process created it at the same moment.
                }
            }
            if (!created.isEmpty()) {
                Log.infof("Created Kafka topics %s (%d partitions, replication factor %d)", created,
                        config.partitions(), config.replicationFactor());
            }
            return created;
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka refused to list topics: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
