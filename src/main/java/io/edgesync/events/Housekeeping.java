package io.edgesync.events;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.quarkus.logging.Log;

/**
 * The event pipeline's background threads: periodic work (statistics, retention, central's heartbeat and purge) and
 * one-off tasks (creating the topics). <p> A periodic task that throws keeps its schedule: a plain
 * {@link ScheduledExecutorService} silently cancels every later run of a task after its first exception, so one
 * unexpected failure would stop, say, central's heartbeat for good. A failure is logged once when it starts and once
 * when the task works again.
 */
public final class Housekeeping {

    private final ScheduledExecutorService executor;

    /** Starts {@code threads} daemon threads named {@code name}. */
    public Housekeeping(String name, int threads) {
        executor = Executors.newScheduledThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Runs {@code work} after {@code initialDelay}, then {@code interval} after each run ends, until
     * {@link #shutdown()}, whatever a run throws.
     *
     * @param task what the work is, for the log line of a failure
     */
    public void every(String task, Duration initialDelay, Duration interval, Runnable work) {
        AtomicBoolean failing = new AtomicBoolean();
        Runnable guarded = () -> {
            try {
                work.run();
                if (failing.compareAndSet(true, false)) {
                    Log.infof("%s works again", task);
                }
            } catch (RuntimeException e) {
                if (failing.compareAndSet(false, true)) {
                    Log.warnf(e, "%s failed; retrying every %d ms", task, interval.toMillis());
                }
            }
        };
        // (the schedule's future is never read: a run cannot fail, and shutdown() ends the schedule)
        var unused = executor.scheduleWithFixedDelay(guarded, initialDelay.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Runs {@code work} once, as soon as a thread is free. */
    public void once(Runnable work) {
        executor.execute(work);
    }

    /** Whether {@link #shutdown()} was called. */
    public boolean isShutdown() {
        return executor.isShutdown();
    }

    /** Interrupts what runs and runs nothing more. */
    public void shutdown() {
        executor.shutdownNow();
    }
}
