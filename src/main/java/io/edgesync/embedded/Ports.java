package io.edgesync.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Arrays;

/** Chooses loopback ports for the embedded servers. */
public final class Ports {

    private Ports() {
    }

    /**
     * Returns {@code preferred} when nothing listens on it, otherwise a free ephemeral port. A preferred port of 0
     * always gives a free ephemeral port.
     */
    public static int preferredOrFree(int preferred) {
        if (preferred > 0 && isFree(preferred)) {
            return preferred;
        }
        return freePort();
    }

    /** A port that was free a moment ago on the loopback interface. */
    public static int freePort() {
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
     * a moment ago" port (the kernel hands a just-closed ephemeral port out again).
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
