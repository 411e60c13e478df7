package io.edgesync.events;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.operators.multi.processors.UnicastProcessor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The notifications that wake another process's relay: at most one in flight per outbox, and every commit is covered by
 * a notification sent after it.
 */
class OutboxWakeUpsTest {

    /** Notifications sent, each completed when the test says so. */
    private final List<String> sent = new ArrayList<>();
    private final List<UnicastProcessor<Void>> pending = new ArrayList<>();
    private final OutboxWakeUps wakeUps = new OutboxWakeUps(outbox -> {
        sent.add(outbox);
        UnicastProcessor<Void> done = UnicastProcessor.create();
        pending.add(done);
        return Uni.createFrom().publisher(done);
    });

    @Test
    void commitsWhileANotificationIsInFlightAreCoveredByOneMore() {
        // Given a notification in flight for a commit
        wakeUps.rowsCommitted("edge");
        assertThat(sent).containsExactly("edge");

        // When three more commits come before it completes
        wakeUps.rowsCommitted("edge");
        wakeUps.rowsCommitted("edge");
        wakeUps.rowsCommitted("edge");

        // Then nothing more is sent until it completes, and then exactly one more
        assertThat(sent).hasSize(1);
        pending.get(0).onComplete();
        assertThat(sent).containsExactly("edge", "edge");

        // And once that one completes too, nothing is pending and the next commit is notified at once
        pending.get(1).onComplete();
        assertThat(sent).hasSize(2);
        wakeUps.rowsCommitted("edge");
        assertThat(sent).hasSize(3);
    }

    @Test
    void outboxesAreNotifiedIndependentlyAndAFailedNotificationDoesNotStopLaterOnes() {
        // Given a notification in flight for the edge outbox
        wakeUps.rowsCommitted("edge");

        // When the central outbox has a commit meanwhile
        wakeUps.rowsCommitted("central");

        // Then it is notified at once
        assertThat(sent).containsExactly("edge", "central");

        // When the edge notification fails (the database is away)
        pending.get(0).onError(new IllegalStateException("connection refused"));

        // Then the next commit of the edge outbox is notified again
        wakeUps.rowsCommitted("edge");
        assertThat(sent).containsExactly("edge", "central", "edge");
    }
}
