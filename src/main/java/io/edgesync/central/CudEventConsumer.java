package io.edgesync.central;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import io.edgesync.cache.TableCatalog;
import io.edgesync.events.CudEvent;
import io.edgesync.events.EventCodec;
import io.edgesync.events.EventFormatException;

/**
 * Hands the CUD events of every edge to the central table service, one at a time in the order of their partition. The
 * service's dedupe by event id makes the consumer's at-least-once delivery an exactly-once effect.
 */
@ApplicationScoped
public class CudEventConsumer {

    private static final Duration DB_TIMEOUT = Duration.ofSeconds(30);

    private final CentralTableService service;

    public CudEventConsumer(CentralTableService service) {
        this.service = service;
    }

    /** Handles one record of the CUD topic; blocks until its effect is committed. */
    public void handle(ConsumerRecord<String, String> record) {
        CudEvent event = EventCodec.decodeCud(record.value());
        if (!TableCatalog.TABLE_NAME.matcher(event.data().table()).matches()) {
            throw new EventFormatException("Invalid table name in event " + event.id());
        }
        service.processEvent(event).await().atMost(DB_TIMEOUT);
    }
}
