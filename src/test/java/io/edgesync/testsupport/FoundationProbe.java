package io.edgesync.testsupport;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

/** Sends through a SmallRye Reactive Messaging channel wired to the real broker (test profile only). */
@ApplicationScoped
public class FoundationProbe {

    @Inject
    @Channel("foundation-probe")
    Emitter<String> emitter;

    /** Sends {@code payload} and waits for the broker's acknowledgement. */
    public void sendAndAwaitAck(String payload) {
        emitter.send(payload).toCompletableFuture().join();
    }
}
