package io.edgesync.common;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MetersTest {

    @Test
    void aCounterIsMadeOncePerRegistryNameAndTags() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Counter first = Meters.counter(registry, "edgesync.pulls", "table", "todo", "protocol", "native");
        Counter again = Meters.counter(registry, "edgesync.pulls", "table", "todo", "protocol", "native");
        Counter otherTable = Meters.counter(registry, "edgesync.pulls", "table", "notes", "protocol", "native");

        first.increment();
        again.increment(2);
        otherTable.increment();

        assertSame(first, again);
        assertNotSame(first, otherTable);
        assertEquals(3.0, registry.get("edgesync.pulls").tags("table", "todo").counter().count());
        assertEquals(1.0, registry.get("edgesync.pulls").tags("table", "notes").counter().count());
        assertEquals("Pages answered to pulling devices (table protocol queries and native pulls), by table and"
                + " protocol", registry.get("edgesync.pulls").tags("table", "todo").counter().getId().getDescription());
    }

    @Test
    void anotherRegistryGetsItsOwnCounters() {
        SimpleMeterRegistry before = new SimpleMeterRegistry();
        SimpleMeterRegistry after = new SimpleMeterRegistry();

        Meters.counter(before, "edgesync.operations", "table", "todo", "outcome", "applied").increment();
        Meters.counter(after, "edgesync.operations", "table", "todo", "outcome", "applied").increment(5);
        Meters.counter(before, "edgesync.operations", "table", "todo", "outcome", "applied").increment();

        assertEquals(2.0, before.get("edgesync.operations").counter().count());
        assertEquals(5.0, after.get("edgesync.operations").counter().count());
    }

    @Test
    void aCounterWithoutHelpTextIsRefusedEveryTime() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        assertThrows(IllegalArgumentException.class, () -> Meters.counter(registry, "edgesync.unexplained"));
        assertThrows(IllegalArgumentException.class, () -> Meters.counter(registry, "edgesync.unexplained"));
        assertEquals(0, registry.getMeters().size());
    }
}
