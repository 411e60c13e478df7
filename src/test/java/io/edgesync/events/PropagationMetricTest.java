package io.edgesync.events;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgesync.common.Meters;
import io.edgesync.testsupport.InfrastructureResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An edge measures a change's propagation from when the edge where it was made wrote it (the change's origin time), not
 * from its stamp, which runs ahead of the clock while a table takes more than 1,000 changes per second.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class PropagationMetricTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    EdgeChangeConsumer consumer;

    @Inject
    MeterRegistry metrics;

    @Test
    void propagationRunsFromTheOriginTimeEvenWhenTheStampIsAheadOfTheClock() {
        // Given another edge's change written 5 s ago, whose stamp ran a minute ahead of the clock
        Instant written = Instant.now().minusSeconds(5).truncatedTo(ChronoUnit.MILLIS);
        Instant stamp = written.plusSeconds(60);
        String table = "origin" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String id = UUID.randomUUID().toString();
        ChangeEvent change = new ChangeEvent(table, id, Items.item(id, JSON.createObjectNode().put("text", "far"),
                stamp, stamp, "v-" + id, false), "v-" + id, false, Long.MAX_VALUE / 2, Optional.of(UUID.randomUUID()),
                written.plusMillis(20), Optional.empty(), Optional.empty(), Optional.of(written));
        // (registered by the consumer when it starts; looked up the same way, whichever comes first)
        Timer applied = Meters.timer(metrics, "edgesync.changes.propagation", "outcome", "applied");
        double before = applied.totalTime(TimeUnit.SECONDS);

        // When this edge applies it from the change stream
        consumer.handleAll(List.of(new ConsumerRecord<>("edgesync.changes", 0, 0L, change.key(),
                EventCodec.encodeChange(change))), (record, failure) -> {
                    throw failure;
                });

        // Then the time it took counts from when it was written: at least the 5 s since (its stamp is in the future)
        assertThat(applied.totalTime(TimeUnit.SECONDS) - before).isGreaterThanOrEqualTo(5.0);
    }
}
