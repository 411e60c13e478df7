package io.edgesync.embedded;

import java.util.HashSet;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PortsTest {

    @Test
    void portsPickedOneAfterTheOtherForServersOfOneProcessAreDistinct() {
        // The kernel hands a just-closed ephemeral port out again: the broker once got one port for both listeners
        for (int round = 0; round < 200; round++) {
            int first = Ports.freePort();
            int second = Ports.freePortOtherThan(first);
            int third = Ports.freePortOtherThan(first, second);
            assertThat(new HashSet<>(java.util.List.of(first, second, third))).hasSize(3);
        }
    }
}
