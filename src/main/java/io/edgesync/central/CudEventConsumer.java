package io.edgesync.central;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import io.edgesync.cache.TableCatalog;
import io.edgesync.events.CudEvent;
import io.edgesync.events.EventCodec;
import io.edgesync.events.EventFormatException;

/**
 * Hands the CUD events of every edge to the central table service in the order of their partition, up to
 * {@link #BATCH_SIZE} consecutive events of a partition in one transaction (one commit for all of them). The service's
 * dedupe by event id makes the consumer's at-least-once delivery an exactly-once effect.
 */
@ApplicationScoped
public class CudEventConsumer {

    /** Events per transaction: bounds how long one batch holds its tables' master positions. */
    public static final int BATCH_SIZE = 100;

    private static final Duration DB_TIMEOUT = Duration.ofSeconds(60);

    private final CentralTableService service;

    public CudEventConsumer(CentralTableService service) {
        this.service = service;
    }

    /**
     * Handles records of the CUD topic (of its partitions, each in order) in one transaction; blocks until it
     * committed.
     */
    public void handleAll(List<ConsumerRecord<String, String>> records,
            BiConsumer<ConsumerRecord<String, String>, EventFormatException> invalid) {
        List<CudEvent> events = new ArrayList<>(records.size());
        for (ConsumerRecord<String, String> record : records) {
            try {
                events.add(decode(record));
            } catch (EventFormatException e) {
                invalid.accept(record, e);
            }
        }
        if (!events.isEmpty()) {
            service.processEvents(events).await().atMost(DB_TIMEOUT);
        }
    }

    private static CudEvent decode(ConsumerRecord<String, String> record) {
        CudEvent event = EventCodec.decodeCud(record.value());
        if (!TableCatalog.TABLE_NAME.matcher(event.data().table()).matches()) {
            throw new EventFormatException("Invalid table name in event " + event.id());
        }
        return event;
    }
}
