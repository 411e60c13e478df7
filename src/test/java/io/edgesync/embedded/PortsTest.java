package io.edgesync.embedded;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PortsTest {

    @Test
    void portsPickedOneAfterTheOtherForServersOfOneProcessAreDistinct() {
        // Given a kernel that hands a just-closed ephemeral port out again (the broker once got one port for both
        // listeners)
        for (int round = 0; round < 200; round++) {
            // When three ports are picked one after the other, each other than those before, 200 times over
            int first = Ports.freePort();
            int second = Ports.freePortOtherThan(first);
            int third = Ports.freePortOtherThan(first, second);
            // Then the three are distinct every time
            assertThat(new HashSet<>(java.util.List.of(first, second, third))).hasSize(3);
        }
    }

    @Test
    void listeningPortsAreDrawnOutsideTheRangeOutgoingConnectionsTakeLocalPortsFrom() {
        // Given the ephemeral range outgoing connections take local ports from (a port free a moment ago inside it was
        // once taken by a connection before PostgreSQL bound it)
        int[] ephemeral = Ports.ephemeralRange();
        for (int round = 0; round < 200; round++) {
            // When a free port is drawn, 200 times over
            int port = Ports.freePort();
            // Then it is at least Ports.LOWEST and outside the ephemeral range every time
            assertThat(port).as("drawn port")
                    .isBetween(Ports.LOWEST, 65_535)
                    .satisfiesAnyOf(p -> assertThat(p).isLessThan(ephemeral[0]),
                            p -> assertThat(p).isGreaterThan(ephemeral[1]));
        }
    }

    @Test
    void aPreferredPortThatIsTakenGivesAFreeOneOutsideTheEphemeralRange() throws Exception {
        // Given a preferred port that is already taken
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // When a port is asked for, that one preferred
            int port = Ports.preferredOrFree(taken.getLocalPort());

            // Then another one is given, below the ephemeral range
            assertThat(port).isNotEqualTo(taken.getLocalPort()).isLessThan(Ports.ephemeralRange()[0]);
        }
    }
}
