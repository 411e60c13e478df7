package io.edgesync.events;

import java.util.HashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.smallrye.common.annotation.Identifier;

/**
 * Creates the Kafka clients of the event pipeline from the application's {@code kafka.*} configuration (bootstrap
 * servers, and security settings where there are any), with the settings the pipeline's guarantees rest on.
 */
@ApplicationScoped
public class KafkaClients {

    /**
     * The relays' producer linger unless {@code kafka.linger.ms} is set: a relay hands over a whole batch of its outbox
     * at once and then waits for the acknowledgements, so a short linger only gathers that batch into fewer requests.
     */
    static final int DEFAULT_LINGER_MILLIS = 5;

    private final Map<String, Object> base;

    public KafkaClients(@Identifier("default-kafka-broker") Map<String, Object> kafkaConfig) {
        this.base = new HashMap<>(kafkaConfig);
        // Quarkus' own keys and a default group id are not client settings of ours.
        this.base.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.base.keySet().removeIf(key -> key.startsWith("health") || key.startsWith("devservices"));
    }

    /**
     * A producer that never reorders or loses what it was given: idempotent, {@code acks=all}, and it retries until the
     * broker takes the records (there is no delivery timeout), so records of one partition arrive in send order even
     * across a broker outage.
     */
    public KafkaProducer<String, String> producer(String clientId) {
        Map<String, Object> config = new HashMap<>(base);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        config.put(ProducerConfig.RETRIES_CONFIG, Integer.MAX_VALUE);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        // Waiting for metadata (broker unreachable at start-up) fails the relay's attempt, which retries later.
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        // How long the producer waits to fill a request: a tuning knob, not a guarantee, so kafka.linger.ms wins.
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, DEFAULT_LINGER_MILLIS);
        config.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000);
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    /**
     * A producer of messages worth only while they are fresh (heartbeats): one that Kafka has not taken within
     * {@code timeoutMillis} is dropped instead of waiting for the broker, since a newer one follows.
     */
    public KafkaProducer<String, String> freshOnlyProducer(String clientId, int timeoutMillis) {
        Map<String, Object> config = new HashMap<>(base);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ProducerConfig.ACKS_CONFIG, "1");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMillis);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeoutMillis);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Math.min(timeoutMillis, 2_000));
        config.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000);
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    /**
     * A consumer that commits only what the application committed: no auto commit, from the earliest offset for a new
     * group, and it never creates topics by subscribing.
     */
    public KafkaConsumer<String, String> consumer(String groupId, String clientId) {
        Map<String, Object> config = new HashMap<>(base);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 200);
        // A process killed without leaving its group holds its partitions until its session expires: keep that short,
        // so a restarted edge or central instance gets them back within seconds.
        config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 3_000);
        config.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000);
        // Topics created after the consumer subscribed are found quickly.
        config.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 10_000);
        return new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
    }

    /** An admin client whose calls give up after {@code timeoutMillis}. */
    public Admin admin(String clientId, int timeoutMillis) {
        Map<String, Object> config = new HashMap<>(base);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMillis);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMillis);
        config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000);
        return Admin.create(config);
    }

    /** The configured bootstrap servers, for health details and logs. */
    public String bootstrapServers() {
        return String.valueOf(base.getOrDefault(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ""));
    }
}
