package io.edgesync.central;

import java.time.Instant;
import java.util.Optional;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;

import io.edgesync.events.EventCodec;
import io.edgesync.events.Heartbeat;
import io.edgesync.events.KafkaClients;
import io.edgesync.events.KafkaConsumerLoop;
import io.quarkus.logging.Log;

/**
 * The central service's heartbeat: every few seconds a {@link Heartbeat} on the heartbeats topic, keyed by the
 * instance, saying whether it applies the CUD events it reads. Edges learn from it that the change stream is current
 * while nothing changes, and that it is not when central is away or cannot apply. A heartbeat Kafka does not take in
 * time is dropped; the broker's outage is the relays' to report, so this logs nothing above debug.
 */
final class CentralHeartbeat {

    private final KafkaClients clients;
    private final String topic;
    private final String instance;
    private final KafkaConsumerLoop cudConsumer;
    private final int timeoutMillis;
    private KafkaProducer<String, String> producer;

    CentralHeartbeat(KafkaClients clients, String topic, String instance, KafkaConsumerLoop cudConsumer,
            int timeoutMillis) {
        this.clients = clients;
        this.topic = topic;
        this.instance = instance;
        this.cudConsumer = cudConsumer;
        this.timeoutMillis = timeoutMillis;
    }

    /** Publishes one heartbeat without waiting for Kafka's answer (called from one scheduler thread). */
    synchronized void beat() {
        Optional<String> failure = cudConsumer.failure();
        Heartbeat heartbeat = new Heartbeat(instance, Instant.now(), failure.isEmpty(), failure, cudConsumer.lag());
        try {
            if (producer == null) {
                producer = clients.freshOnlyProducer("edgesync-heartbeat-" + ProcessHandle.current().pid(),
                        timeoutMillis);
            }
            // (the callback handles the outcome; nobody waits for the future)
            var unused = producer.send(new ProducerRecord<>(topic, instance, EventCodec.encodeHeartbeat(heartbeat)),
                    (metadata, e) -> {
                        if (e != null) {
                            Log.debugf("Heartbeat not published: %s", e.getMessage());
                        }
                    });
        } catch (KafkaException e) {
            Log.debugf("Heartbeat not published: %s", e.getMessage());
        }
    }

    synchronized void close() {
        if (producer != null) {
            producer.close(java.time.Duration.ofSeconds(1));
            producer = null;
        }
    }
}
