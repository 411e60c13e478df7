package io.edgesync.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Chooses loopback ports for the embedded servers. <p> A listening port is drawn from outside the kernel's ephemeral
 * range: a port from that range that was free a moment ago can be taken, before the server binds it, as the local port
 * of any outgoing connection on the machine (a CI run once lost PostgreSQL's port that way).
 */
public final class Ports {

    /** Linux's file naming the range outgoing connections draw local ports from. */
    static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

    /** The lowest port drawn: above the well-known and the commonly configured service ports. */
    static final int LOWEST = 10_000;

    private static final int DRAWS = 200;

    private Ports() {
    }

    /**
     * Returns {@code preferred} when nothing listens on it, otherwise a {@linkplain #freePort() free port}. A preferred
     * port of 0 always gives a free port.
     */
    public static int preferredOrFree(int preferred) {
        if (preferred > 0 && isFree(preferred)) {
            return preferred;
        }
        return freePort();
    }

    /**
     * A port that was free a moment ago, drawn at random from {@link #listeningRange()}; a kernel-chosen ephemeral port
     * only when that range has none free.
     */
    public static int freePort() {
        int[] range = listeningRange();
        for (int draw = 0; draw < DRAWS && range[1] > range[0]; draw++) {
            int port = ThreadLocalRandom.current().nextInt(range[0], range[1]);
            if (isFree(port)) {
                return port;
            }
        }
        return ephemeralPort();
    }

    /**
     * The ports {@link #freePort()} draws from, {@code [low, high)}: from {@link #LOWEST} up to the start of the
     * ephemeral range when that leaves room, otherwise above its end.
     */
    static int[] listeningRange() {
        int[] ephemeral = ephemeralRange();
        if (ephemeral[0] - LOWEST >= 1_000) {
            return new int[]{LOWEST, ephemeral[0]};
        }
        return new int[]{Math.max(ephemeral[1] + 1, LOWEST), 65_536};
    }

    /** The kernel's ephemeral range, inclusive; Linux's default where the kernel does not say. */
    static int[] ephemeralRange() {
        try {
            String[] bounds = Files.readString(EPHEMERAL_RANGE).trim().split("\\s+", -1);
            return new int[]{Integer.parseInt(bounds[0]), Integer.parseInt(bounds[1])};
        } catch (IOException | RuntimeException e) {
            return new int[]{32_768, 60_999};
        }
    }

    private static int ephemeralPort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free loopback port", e);
        }
    }

    /**
     * A free loopback port other than those given: two servers started one after the other must not get the same "free
     * a moment ago" port (two draws can meet; the kernel hands a just-closed ephemeral port out again).
     */
    public static int freePortOtherThan(int... taken) {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = freePort();
            if (Arrays.stream(taken).noneMatch(t -> t == port)) {
                return port;
            }
        }
        throw new IllegalStateException("No free loopback port other than " + Arrays.toString(taken));
    }

    /** Whether nothing listens on {@code port}, on the loopback interface or on all interfaces. */
    public static boolean isFree(int port) {
        // Bind the wildcard address too: a server listening on 0.0.0.0:port would otherwise go unnoticed.
        return canBind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
                && canBind(new InetSocketAddress(port));
    }

    private static boolean canBind(InetSocketAddress address) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(address);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
