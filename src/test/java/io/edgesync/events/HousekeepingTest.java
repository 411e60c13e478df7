package io.edgesync.events;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HousekeepingTest {

    private final Housekeeping housekeeping = new Housekeeping("housekeeping-test", 1);

    @AfterEach
    void shutdown() {
        housekeeping.shutdown();
    }

    @Test
    void aPeriodicTaskThatThrowsKeepsItsSchedule() {
        // Given a task whose first two runs throw (a plain scheduled executor cancels it after the first)
        AtomicInteger runs = new AtomicInteger();
        housekeeping.every("Flaky task", Duration.ZERO, Duration.ofMillis(10), () -> {
            if (runs.incrementAndGet() <= 2) {
                throw new IllegalStateException("run " + runs.get() + " fails");
            }
        });

        // Then it runs again, and goes on running after it works
        Awaitility.await("runs after the failures").atMost(Duration.ofSeconds(5)).until(() -> runs.get() >= 5);
    }

    @Test
    void nothingRunsAfterShutdown() throws Exception {
        // Given a periodic task
        AtomicInteger runs = new AtomicInteger();
        housekeeping.every("Counter", Duration.ZERO, Duration.ofMillis(5), runs::incrementAndGet);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() > 0);

        // When the housekeeping shuts down
        housekeeping.shutdown();
        int atShutdown = runs.get();
        Thread.sleep(50);

        // Then the task runs no more
        assertThat(housekeeping.isShutdown()).isTrue();
        assertThat(runs.get()).isBetween(atShutdown, atShutdown + 1);
    }
}
