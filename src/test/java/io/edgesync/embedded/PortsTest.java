package io.edgesync.embedded;

import java.net.InetAddress;
import java.net.ServerSocket;
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

    @Test
    void listeningPortsAreDrawnOutsideTheRangeOutgoingConnectionsTakeLocalPortsFrom() {
        // A port free a moment ago inside the ephemeral range was once taken by a connection before PostgreSQL bound it
        int[] ephemeral = Ports.ephemeralRange();
        for (int round = 0; round < 200; round++) {
            int port = Ports.freePort();
            assertThat(port).as("drawn port")
                    .isBetween(Ports.LOWEST, 65_535)
                    .satisfiesAnyOf(p -> assertThat(p).isLessThan(ephemeral[0]),
                            p -> assertThat(p).isGreaterThan(ephemeral[1]));
        }
    }

    @Test
    void aPreferredPortThatIsTakenGivesAFreeOneOutsideTheEphemeralRange() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = Ports.preferredOrFree(taken.getLocalPort());

            assertThat(port).isNotEqualTo(taken.getLocalPort()).isLessThan(Ports.ephemeralRange()[0]);
        }
    }
}
