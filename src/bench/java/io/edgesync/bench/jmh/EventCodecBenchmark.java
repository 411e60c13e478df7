package io.edgesync.bench.jmh;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.events.ChangeEvent;
import io.edgesync.events.CudEvent;
import io.edgesync.events.EventCodec;

/**
 * The event codec on the Kafka path: a CUD event encoded by the outbox relay and decoded by the central service, and a
 * change event encoded by central and decoded by every edge. The item is a typical todo row (a handful of columns).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class EventCodecBenchmark {

    private CudEvent cud;
    private String cudJson;
    private ChangeEvent change;
    private String changeJson;

    @Setup
    public void setUp() {
        ObjectMapper json = new ObjectMapper();
        Instant now = Instant.parse("2026-11-25T10:00:00.123Z");
        ObjectNode item = json.createObjectNode()
                .put("id", "3f1c9a52-8f2e-4d1b-9a7e-2b3c4d5e6f70")
                .put("text", "Buy milk and bread on the way home")
                .put("complete", false)
                .put("price", 4.25)
                .put("dueDate", "2026-11-26T09:00:00.000Z")
                .put("createdAt", now.toString())
                .put("updatedAt", now.toString())
                .put("version", "q83vEjRWeJCrze8SNFZ4kA==")
                .put("deleted", false);
        cud = CudEvent.of(UUID.fromString("0b6a4c1e-7d2f-4e8a-9c3b-5f6e7d8c9b0a"), "edge1", "update", now,
                new CudEvent.Data("todoitem", item.path("id").asText(), item, Optional.of("AAAAAAAAB9E="),
                        item.path("version").asText(), Optional.of("device-42"), Optional.of("op-7"),
                        Optional.of("user-17")));
        cudJson = EventCodec.encodeCud(cud);
        change = new ChangeEvent("todoitem", item.path("id").asText(), item, item.path("version").asText(), false,
                123_456L, Optional.of(UUID.fromString("1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f")), now,
                Optional.of("user-17"), Optional.of(now.minusSeconds(5)));
        changeJson = EventCodec.encodeChange(change);
    }

    @Benchmark
    public String encodeCud() {
        return EventCodec.encodeCud(cud);
    }

    @Benchmark
    public CudEvent decodeCud() {
        return EventCodec.decodeCud(cudJson);
    }

    @Benchmark
    public String encodeChange() {
        return EventCodec.encodeChange(change);
    }

    @Benchmark
    public ChangeEvent decodeChange() {
        return EventCodec.decodeChange(changeJson);
    }
}
