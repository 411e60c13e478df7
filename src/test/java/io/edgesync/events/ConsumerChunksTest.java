package io.edgesync.events;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * How a poll's records reach a handler: the records of one topic together across its partitions, each partition's
 * consecutive and in order, never two topics in one batch, never more than the batch size.
 */
class ConsumerChunksTest {

    @Test
    void aPollOfSeveralPartitionsIsOneBatchPerTopic() {
        Map<TopicPartition, List<ConsumerRecord<String, String>>> polled = new LinkedHashMap<>();
        polled.put(new TopicPartition("changes", 0), records("changes", 0, 10, 2));
        polled.put(new TopicPartition("heartbeats", 0), records("heartbeats", 0, 7, 1));
        polled.put(new TopicPartition("changes", 3), records("changes", 3, 4, 3));

        List<List<ConsumerRecord<String, String>>> chunks = KafkaConsumerLoop.chunks(
                new ConsumerRecords<>(polled, Map.of()),
                100);

        assertEquals(List.of(List.of("changes-0@10", "changes-0@11", "changes-3@4", "changes-3@5", "changes-3@6"),
                List.of("heartbeats-0@7")), names(chunks));
    }

    @Test
    void aBatchHoldsAtMostTheBatchSizeAndKeepsEachPartitionsOrder() {
        Map<TopicPartition, List<ConsumerRecord<String, String>>> polled = new LinkedHashMap<>();
        polled.put(new TopicPartition("cud", 1), records("cud", 1, 0, 3));
        polled.put(new TopicPartition("cud", 2), records("cud", 2, 50, 2));

        List<List<ConsumerRecord<String, String>>> chunks = KafkaConsumerLoop
                .chunks(new ConsumerRecords<>(polled, Map.of()), 2);

        assertEquals(List.of(List.of("cud-1@0", "cud-1@1"), List.of("cud-1@2", "cud-2@50"), List.of("cud-2@51")),
                names(chunks));
    }

    private static List<ConsumerRecord<String, String>> records(String topic, int partition, long from, int count) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        for (long offset = from; offset < from + count; offset++) {
            records.add(new ConsumerRecord<>(topic, partition, offset, "key-" + offset, "{}"));
        }
        return records;
    }

    private static List<List<String>> names(List<List<ConsumerRecord<String, String>>> chunks) {
        return chunks.stream()
                .map(chunk -> chunk.stream().map(r -> r.topic() + "-" + r.partition() + "@" + r.offset()).toList())
                .toList();
    }
}
