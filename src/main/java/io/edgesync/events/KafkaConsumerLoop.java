package io.edgesync.events;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

import io.edgesync.common.Meters;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.quarkus.logging.Log;

/**
 * Reads topics in one consumer group on its own thread and hands its records to a handler in partition order, in
 * batches of records of one topic (the records of each partition consecutive and in order). An offset is committed only
 * after its record was handled; a handler failure (the database is away, say) rewinds to the first record not handled
 * and tries again after a pause, so nothing is skipped and a record may be handled twice (handlers are idempotent). A
 * record that is not a valid event is counted and skipped.
 */
public final class KafkaConsumerLoop {

    /**
     * Handles records of one topic together (of one or more partitions; those of a partition consecutive and in order,
     * so the records of a key in order), blocking until their effect is committed: all or none (throws to have them all
     * retried). A record that is not a valid event is reported to {@code invalid} and skipped.
     */
    @FunctionalInterface
    public interface BatchHandler {
        void handleAll(List<ConsumerRecord<String, String>> records,
                BiConsumer<ConsumerRecord<String, String>, EventFormatException> invalid) throws Exception;
    }

    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration RETRY = Duration.ofSeconds(1);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration LAG_INTERVAL = Duration.ofSeconds(1);

    private final String name;
    private final KafkaClients clients;
    private final String groupId;
    private final List<String> topics;
    private final String topic;
    private final BatchHandler handler;
    private final int batchSize;
    private final MeterRegistry metrics;
    private final BooleanSupplier topicsReady;

    private volatile boolean running;
    private volatile Thread thread;
    private volatile KafkaConsumer<String, String> consumer;
    private volatile Optional<Instant> lastRecord = Optional.empty();
    private volatile Optional<String> failure = Optional.empty();
    private volatile long lag;
    private volatile Map<String, Long> partitionLags = Map.of();
    private final MultiGauge lagGauge;
    private long lagMeasuredAt = System.nanoTime() - LAG_INTERVAL.toNanos();

    /**
     * A loop over {@code topics} (the first one names the loop in logs and metrics) that hands over up to
     * {@code batchSize} records of one topic at a time (of any of its partitions).
     */
    public KafkaConsumerLoop(String name, KafkaClients clients, String groupId, List<String> topics, int batchSize,
            BatchHandler handler, MeterRegistry metrics, BooleanSupplier topicsReady) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1");
        }
        this.name = name;
        this.clients = clients;
        this.groupId = groupId;
        this.topics = List.copyOf(topics);
        this.topic = topics.get(0);
        this.batchSize = batchSize;
        this.handler = handler;
        this.metrics = metrics;
        this.topicsReady = topicsReady;
        this.lagGauge = Meters.multiGauge(metrics, "edgesync.consumer.lag");
    }

    public String name() {
        return name;
    }

    public String groupId() {
        return groupId;
    }

    /** When the last record was handled. */
    public Optional<Instant> lastRecord() {
        return lastRecord;
    }

    /** Why the handler fails, while it does (the records are retried). */
    public Optional<String> failure() {
        return failure;
    }

    /**
     * Records of the loop's partitions not read yet, as the consumer last knew (0 before it knew anything): how far
     * behind the topics it is.
     */
    public long lag() {
        return lag;
    }

    /** The lag of each partition the loop consumes ({@code topic-partition}), as the consumer last knew. */
    public Map<String, Long> partitionLags() {
        return partitionLags;
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        Thread loop = new Thread(this::run, "edgesync-consumer-" + name);
        loop.setDaemon(true);
        thread = loop;
        loop.start();
    }

    public void stop() {
        running = false;
        KafkaConsumer<String, String> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        Thread loop = thread;
        if (loop == null) {
            return;
        }
        try {
            loop.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (running) {
            if (!topicsReady.getAsBoolean()) {
                pause(POLL);
                continue;
            }
            KafkaConsumer<String, String> client = null;
            try {
                client = clients.consumer(groupId, "edgesync-" + name + "-" + ProcessHandle.current().pid());
                consumer = client;
                client.subscribe(topics);
                Log.infof("Consuming %s in group %s", String.join(", ", topics), groupId);
                while (running) {
                    ConsumerRecords<String, String> records = client.poll(POLL);
                    if (!records.isEmpty()) {
                        handleBatch(client, records);
                    }
                    long now = System.nanoTime();
                    if (now - lagMeasuredAt >= LAG_INTERVAL.toNanos()) {
                        // (once a second, not per poll: the loop's hot path only hands records over)
                        measureLag(client);
                        lagMeasuredAt = now;
                    }
                }
            } catch (WakeupException e) {
                // stop()
            } catch (KafkaException | IllegalStateException e) {
                if (running) {
                    Log.warnf("Consumer %s of %s failed (%s); reconnecting", name, topic, e.getMessage());
                    pause(RETRY);
                }
            } finally {
                consumer = null;
                close(client);
            }
        }
    }

    /**
     * Leaves the group without waiting long: a join still pending at the coordinator (it waits for the session of a
     * member that died with its process) must not hold up the application's shutdown.
     */
    private static void close(KafkaConsumer<String, String> client) {
        if (client == null) {
            return;
        }
        try {
            client.close(CloseOptions.timeout(CLOSE_TIMEOUT));
        } catch (RuntimeException e) {
            // closed as far as it goes
        }
    }

    private void handleBatch(KafkaConsumer<String, String> client, ConsumerRecords<String, String> records) {
        Map<TopicPartition, OffsetAndMetadata> handled = new HashMap<>();
        boolean failed = false;
        for (List<ConsumerRecord<String, String>> chunk : chunks(records, batchSize)) {
            if (!running) {
                break;
            }
            try {
                handler.handleAll(chunk, (record, e) -> {
                    Log.warnf("Skipping invalid message at %s-%d offset %d: %s", record.topic(), record.partition(),
                            record.offset(), e.getMessage());
                    Meters.counter(metrics, "edgesync.events.invalid", "topic", record.topic()).increment();
                });
                recordSuccess();
            } catch (Exception e) {
                recordFailure(e);
                failed = true;
                break;
            }
            for (ConsumerRecord<String, String> record : chunk) {
                handled.put(new TopicPartition(record.topic(), record.partition()),
                        new OffsetAndMetadata(record.offset() + 1));
            }
            lastRecord = Optional.of(Instant.now());
        }
        if (failed || !running) {
            // Rewind every partition of the batch to its first record not handled, to be read again.
            for (TopicPartition partition : records.partitions()) {
                OffsetAndMetadata done = handled.get(partition);
                long next = done != null ? done.offset() : records.records(partition).get(0).offset();
                client.seek(partition, next);
            }
        }
        commit(client, handled);
        if (failed) {
            pause(RETRY);
        }
    }

    /**
     * What one poll brought, as the handler takes it: the records of one topic together, whatever their partitions
     * (each partition's records consecutive and in order), cut into chunks of at most {@code batchSize}. A poll usually
     * holds a few records of each of several partitions; handling them partition by partition cost a transaction and a
     * commit each (five per batch push of ten in scenario 5), and the last partition waited for the commits of all the
     * others.
     */
    static List<List<ConsumerRecord<String, String>>> chunks(ConsumerRecords<String, String> records, int batchSize) {
        Map<String, List<ConsumerRecord<String, String>>> byTopic = new LinkedHashMap<>();
        for (TopicPartition partition : records.partitions()) {
            byTopic.computeIfAbsent(partition.topic(), t -> new ArrayList<>()).addAll(records.records(partition));
        }
        List<List<ConsumerRecord<String, String>>> chunks = new ArrayList<>();
        for (List<ConsumerRecord<String, String>> topicRecords : byTopic.values()) {
            for (int from = 0; from < topicRecords.size(); from += batchSize) {
                chunks.add(topicRecords.subList(from, Math.min(from + batchSize, topicRecords.size())));
            }
        }
        return chunks;
    }

    private void commit(KafkaConsumer<String, String> client, Map<TopicPartition, OffsetAndMetadata> handled) {
        if (handled.isEmpty()) {
            return;
        }
        try {
            client.commitSync(handled, Duration.ofSeconds(10));
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            // Rebalance or broker away: the records are read again, and handlers are idempotent.
            Log.debugf("Commit of %s failed: %s", name, e.getMessage());
        }
    }

    /**
     * The lag the consumer learnt from its last fetch responses (their high watermarks), from its per-partition
     * {@code records-lag} metrics: asking for the end offsets instead costs requests, whose answers arrive after a
     * close and are logged as warnings.
     */
    private void measureLag(KafkaConsumer<String, String> client) {
        // (the client names each partition's metrics twice, by the topic's name and with its dots as underscores)
        Map<String, Long> lags = new TreeMap<>();
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        long total = 0;
        for (Map.Entry<MetricName, ? extends Metric> metric : client.metrics().entrySet()) {
            MetricName metricName = metric.getKey();
            if (metricName.name().equals("records-lag") && metricName.group().equals("consumer-fetch-manager-metrics")
                    && metricName.tags().containsKey("partition") && topics.contains(metricName.tags().get("topic"))
                    && metric.getValue().metricValue() instanceof Double value && Double.isFinite(value)) {
                long partitionLag = Math.max(0, value.longValue());
                String topicName = metricName.tags().get("topic");
                String partition = metricName.tags().get("partition");
                lags.put(topicName + "-" + partition, partitionLag);
                rows.add(MultiGauge.Row.of(Tags.of("consumer", name, "topic", topicName, "partition", partition),
                        partitionLag));
                total += partitionLag;
            }
        }
        partitionLags = Collections.unmodifiableMap(lags);
        lag = total;
        lagGauge.register(rows, true);
    }

    private void recordFailure(Exception e) {
        if (failure.isEmpty()) {
            Log.warnf("Consumer %s could not handle a record of %s (%s); retrying", name, topic, e.getMessage());
        }
        failure = Optional.of(String.valueOf(e.getMessage()));
    }

    private void recordSuccess() {
        if (failure.isPresent()) {
            failure = Optional.empty();
            Log.infof("Consumer %s handling records again", name);
        }
    }

    private void pause(Duration duration) {
        if (!running) {
            return;
        }
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
