package io.edgesync.testsupport;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import io.edgesync.events.CudEvent;
import io.edgesync.events.EventCodec;

/** Another edge, as the tests play it: it publishes CUD events on the real broker, as an edge's relay does. */
public final class OtherEdge {

    private OtherEdge() {
    }

    /** Publishes {@code event} on the CUD topic, under its key, and waits for the broker to acknowledge it. */
    public static void publish(CudEvent event) throws Exception {
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfrastructure.kafkaBootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>("edgesync.cud", event.key(), EventCodec.encodeCud(event)))
                    .get(30, TimeUnit.SECONDS);
        }
    }
}
