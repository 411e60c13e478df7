package io.edgesync.events;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * Tells the relay of an outbox that rows were committed when it runs in another process: another replica of the edge,
 * another central instance. Only one process of a role publishes an outbox (the relay lock); it listens on
 * {@value #CHANNEL} on the connection that holds the lock, and the others notify it, with the outbox's name as the
 * payload.
 *
 * <p> The notification costs writers nothing: it is sent after their commit, never inside a write transaction (whose
 * commit a {@code NOTIFY} would serialise with every other notifying commit), and per outbox at most one is in flight:
 * commits meanwhile are covered by one more notification after it. A notification that fails is only logged at debug
 * level: the relay's slow poll publishes the rows anyway.
 */
final class OutboxWakeUps {

    /** The channel the publishing relay listens on; the payload is the outbox's name. */
    static final String CHANNEL = "edgesync_outbox";

    private static final int IDLE = 0;
    private static final int IN_FLIGHT = 1;
    private static final int IN_FLIGHT_AND_AGAIN = 2;

    private final Function<String, Uni<Void>> notify;
    private final Map<String, AtomicInteger> states = new ConcurrentHashMap<>();

    /** @param notify sends one notification with the outbox's name as the payload */
    OutboxWakeUps(Function<String, Uni<Void>> notify) {
        this.notify = notify;
    }

    /** Rows of {@code outbox} were committed: the relay that publishes it elsewhere looks at once. Any thread. */
    void rowsCommitted(String outbox) {
        AtomicInteger state = states.computeIfAbsent(outbox, name -> new AtomicInteger());
        while (true) {
            int current = state.get();
            if (current == IDLE && state.compareAndSet(IDLE, IN_FLIGHT)) {
                send(outbox, state);
                return;
            }
            if (current == IN_FLIGHT_AND_AGAIN
                    || (current == IN_FLIGHT && state.compareAndSet(IN_FLIGHT, IN_FLIGHT_AND_AGAIN))) {
                return;
            }
        }
    }

    private void send(String outbox, AtomicInteger state) {
        notify.apply(outbox)
                .subscribe()
                .with(done -> sent(outbox, state), failure -> {
                    Log.debugf("Could not notify the relay of outbox %s: %s", outbox, failure.getMessage());
                    sent(outbox, state);
                });
    }

    private void sent(String outbox, AtomicInteger state) {
        while (true) {
            if (state.compareAndSet(IN_FLIGHT, IDLE)) {
                return;
            }
            if (state.compareAndSet(IN_FLIGHT_AND_AGAIN, IN_FLIGHT)) {
                send(outbox, state);
                return;
            }
        }
    }
}
