package io.edgesync.events;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

import io.edgesync.common.Meters;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Publishes an outbox to Kafka, at least once and in order per key.
 *
 * <p> One thread reads the oldest unsent rows in id order, sends them all through an idempotent {@code acks=all}
 * producer without a delivery timeout, waits until Kafka has acknowledged them, and deletes the acknowledged prefix (or
 * marks it sent, when relayed rows are kept). While the broker is unreachable the producer keeps retrying the same
 * records, in order; nothing is marked and the outbox grows. When a send fails for good, the rows from the first
 * unacknowledged one on are sent again with a new producer: Kafka may then hold a record twice, never a later change of
 * a key before an earlier one (the first copy of every record stays in order), and consumers drop the copies by event
 * id.
 *
 * <p> Per database one relay publishes (a PostgreSQL advisory lock held on a dedicated connection), so several
 * instances of a role share an outbox without publishing everything twice.
 */
public final class OutboxRelay {

    private static final Duration DB_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration LEADER_RETRY = Duration.ofSeconds(2);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private static final Duration ACK_POLL = Duration.ofMillis(250);

    private final OutboxSource source;
    private final Pool pool;
    private final KafkaClients clients;
    private final MeterRegistry metrics;
    private final int batchSize;
    private final boolean keepRelayed;
    private final Duration idle;
    private final BooleanSupplier topicsReady;

    private volatile boolean running;
    private volatile Thread thread;
    private volatile Optional<Instant> waitingForAcksSince = Optional.empty();
    private volatile Optional<String> lastFailure = Optional.empty();
    private volatile boolean leader;
    private boolean failing;
    /** Set when rows were written since the relay last looked; guarded by itself. */
    private final Object written = new Object();
    private boolean rowsWritten;

    /**
     * @param keepRelayed whether rows Kafka acknowledged are kept (marked sent) for the outbox retention, rather than
     *     deleted at once
     */
    public OutboxRelay(OutboxSource source, Pool pool, KafkaClients clients, MeterRegistry metrics, int batchSize,
            boolean keepRelayed, Duration idle, BooleanSupplier topicsReady) {
        this.source = source;
        this.pool = pool;
        this.clients = clients;
        this.metrics = metrics;
        this.batchSize = Math.max(1, batchSize);
        this.keepRelayed = keepRelayed;
        this.idle = idle;
        this.topicsReady = topicsReady;
    }

    public String name() {
        return source.name();
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        Thread relay = new Thread(this::run, "edgesync-relay-" + source.name());
        relay.setDaemon(true);
        thread = relay;
        relay.start();
    }

    /** Stops the relay; records in flight stay unmarked and are published again after the next start. */
    public void stop() {
        running = false;
        Thread relay = thread;
        if (relay == null) {
            return;
        }
        relay.interrupt();
        try {
            relay.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Rows were committed to the outbox (by this process, or by another that notified this one): an idle relay looks at
     * once instead of at the end of its pause. Any thread.
     */
    public void rowsCommitted() {
        synchronized (written) {
            rowsWritten = true;
            written.notifyAll();
        }
    }

    /** Whether this relay currently publishes its outbox (holds the database's relay lock). */
    public boolean isLeader() {
        return leader;
    }

    /** Since when the relay has been waiting for Kafka to acknowledge a batch, while it is. */
    public Optional<Instant> waitingForAcksSince() {
        return waitingForAcksSince;
    }

    /** The last failure to publish, until a batch is published again. */
    public Optional<String> lastFailure() {
        return lastFailure;
    }

    private void run() {
        while (running) {
            SqlConnection connection = null;
            try {
                if (!topicsReady.getAsBoolean()) {
                    pause(idle);
                    continue;
                }
                connection = pool.getConnection().await().atMost(DB_TIMEOUT);
                if (!tryLock(connection)) {
                    leader = false;
                    release(connection, false);
                    connection = null;
                    pause(LEADER_RETRY);
                    continue;
                }
                leader = true;
                Log.infof("Outbox relay %s publishing", source.name());
                listenForCommitsElsewhere(connection);
                relayAsLeader(connection);
            } catch (RuntimeException e) {
                if (running) {
                    recordFailure(describe(e));
                    pause(MAX_BACKOFF);
                }
            } finally {
                if (connection != null) {
                    leader = false;
                    release(connection, true);
                }
            }
        }
    }

    private void relayAsLeader(SqlConnection connection) {
        KafkaProducer<String, String> producer = null;
        Duration backoff = idle;
        try {
            while (running) {
                List<OutboxSource.OutboundRecord> batch = source.fetchUnsent(connection, batchSize)
                        .await()
                        .atMost(DB_TIMEOUT);
                if (batch.isEmpty()) {
                    // Nothing waits: whatever failed before (the database, say) no longer delays events.
                    recordSuccess();
                    awaitRows(idle);
                    continue;
                }
                if (producer == null) {
                    producer = clients
                            .producer("edgesync-relay-" + source.name() + "-" + ProcessHandle.current().pid());
                }
                Publication publication = publish(producer, batch);
                if (publication.acknowledged() > 0) {
                    List<OutboxSource.OutboundRecord> sent = batch.subList(0, publication.acknowledged());
                    source.relayed(connection, sent.stream().map(OutboxSource.OutboundRecord::rowId).toList(),
                            keepRelayed)
                            .await()
                            .atMost(DB_TIMEOUT);
                    countPublished(sent);
                }
                if (publication.failure().isPresent()) {
                    recordFailure("kafka: " + publication.failure().get());
                    closeQuietly(producer);
                    producer = null;
                    pause(backoff);
                    backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0
                            ? MAX_BACKOFF
                            : backoff.multipliedBy(2);
                } else {
                    backoff = idle;
                    recordSuccess();
                    if (batch.size() < batchSize) {
                        // The outbox held no more when it was read: rows committed since then have called
                        // rowsCommitted() (or notified this process), so the wait ends at once for them; a second
                        // read now would find nothing most of the time (one wasted statement per batch).
                        awaitRows(idle);
                    }
                }
            }
        } finally {
            closeQuietly(producer);
        }
    }

    /** What became of one batch: how many leading records Kafka acknowledged, and why the next one was not. */
    private record Publication(int acknowledged, Optional<String> failure) {
    }

    private Publication publish(KafkaProducer<String, String> producer, List<OutboxSource.OutboundRecord> batch) {
        // Metadata first: a broker that is unreachable fails the batch before any record is handed to the producer, so
        // records that wait in the producer were all accepted in order.
        Set<String> topics = new LinkedHashSet<>();
        batch.forEach(record -> topics.add(record.topic()));
        try {
            for (String topic : topics) {
                producer.partitionsFor(topic);
            }
        } catch (RuntimeException e) {
            return new Publication(0, Optional.of("no metadata: " + describe(e)));
        }
        List<Future<RecordMetadata>> acks = new ArrayList<>(batch.size());
        Optional<String> sendFailure = Optional.empty();
        for (OutboxSource.OutboundRecord record : batch) {
            try {
                acks.add(producer.send(new ProducerRecord<>(record.topic(), record.key(), record.value())));
            } catch (RuntimeException e) {
                sendFailure = Optional.of(describe(e));
                break;
            }
        }
        waitingForAcksSince = Optional.of(Instant.now());
        try {
            int acknowledged = 0;
            for (Future<RecordMetadata> ack : acks) {
                Optional<String> failure = awaitAck(ack);
                if (failure.isPresent()) {
                    return new Publication(acknowledged, failure);
                }
                acknowledged++;
            }
            return new Publication(acknowledged, sendFailure);
        } finally {
            waitingForAcksSince = Optional.empty();
        }
    }

    /** Waits for one acknowledgement for as long as it takes (the producer retries), or until the relay stops. */
    private Optional<String> awaitAck(Future<RecordMetadata> ack) {
        while (true) {
            try {
                ack.get(ACK_POLL.toMillis(), TimeUnit.MILLISECONDS);
                return Optional.empty();
            } catch (TimeoutException e) {
                if (!running) {
                    return Optional.of("relay stopping");
                }
            } catch (ExecutionException e) {
                return Optional.of(describe(e.getCause()));
            } catch (InterruptedException e) {
                if (!running) {
                    return Optional.of("relay stopping");
                }
            }
        }
    }

    private void countPublished(List<OutboxSource.OutboundRecord> sent) {
        Map<String, Integer> perTopic = new LinkedHashMap<>();
        sent.forEach(record -> perTopic.merge(record.topic(), 1, Integer::sum));
        perTopic.forEach(
                (topic, count) -> Meters.counter(metrics, "edgesync.events.published", "topic", topic, "outbox",
                        source.name()).increment(count));
    }

    /**
     * While this relay publishes, the other processes of its role notify it of their commits ({@link OutboxWakeUps}) on
     * the connection that holds the relay lock; without that, their rows wait for the next poll.
     */
    private void listenForCommitsElsewhere(SqlConnection connection) {
        try {
            PgConnection.cast(connection).notificationHandler(notification -> {
                if (source.name().equals(notification.getPayload())) {
                    rowsCommitted();
                }
            });
            connection.query("LISTEN " + OutboxWakeUps.CHANNEL).execute().await().atMost(DB_TIMEOUT);
        } catch (RuntimeException e) {
            Log.warnf("Outbox relay %s cannot listen for commits of other processes (%s); it polls for them",
                    source.name(), describe(e));
        }
    }

    private boolean tryLock(SqlConnection connection) {
        return connection.preparedQuery("SELECT pg_try_advisory_lock($1)")
                .execute(Tuple.of(source.relayLockKey()))
                .await()
                .atMost(DB_TIMEOUT)
                .iterator()
                .next()
                .getBoolean(0);
    }

    private void release(SqlConnection connection, boolean locked) {
        if (locked) {
            try {
                connection.query("UNLISTEN " + OutboxWakeUps.CHANNEL).execute().await().atMost(Duration.ofSeconds(5));
                connection.preparedQuery("SELECT pg_advisory_unlock($1)")
                        .execute(Tuple.of(source.relayLockKey()))
                        .await()
                        .atMost(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                // A broken connection: the server released the lock with the session.
            }
        }
        try {
            connection.close().await().atMost(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            // already closed
        }
    }

    private void recordFailure(String failure) {
        lastFailure = Optional.of(failure);
        if (!failing) {
            failing = true;
            Log.warnf("Outbox relay %s cannot publish (%s); retrying, rows stay in the outbox", source.name(),
                    failure);
        }
    }

    private void recordSuccess() {
        if (failing) {
            failing = false;
            Log.infof("Outbox relay %s publishing again", source.name());
        }
        lastFailure = Optional.empty();
    }

    /** Waits until rows are committed to the outbox, or for at most {@code duration} (rows of other processes). */
    private void awaitRows(Duration duration) {
        long deadline = System.nanoTime() + duration.toNanos();
        synchronized (written) {
            while (running && !rowsWritten) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    written.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    // stop() interrupts; the loop checks running
                    break;
                }
            }
            rowsWritten = false;
        }
    }

    private void pause(Duration duration) {
        if (!running) {
            return;
        }
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            // stop() interrupts; the loop checks running
        }
    }

    private static void closeQuietly(KafkaProducer<String, String> producer) {
        if (producer == null) {
            return;
        }
        boolean interrupted = Thread.interrupted();
        try {
            producer.close(Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            // nothing more to release
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
