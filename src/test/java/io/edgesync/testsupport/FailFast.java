package io.edgesync.testsupport;

import java.util.concurrent.atomic.AtomicBoolean;

/** Threads of one concurrent test run: when one of them fails, the others see it and stop early. */
public final class FailFast {

    /** A task that may throw anything. */
    @FunctionalInterface
    public interface Task {
        void run() throws Exception;
    }

    private final AtomicBoolean failed = new AtomicBoolean();

    /** Whether a task of this run failed. */
    public boolean failed() {
        return failed.get();
    }

    /** The task, flagging the run as failed when it throws (and rethrowing for its future). */
    public Runnable guarded(Task task) {
        return () -> {
            try {
                task.run();
            } catch (Throwable t) {
                failed.set(true);
                if (t instanceof RuntimeException runtime) {
                    throw runtime;
                }
                if (t instanceof Error error) {
                    throw error;
                }
                throw new IllegalStateException(t);
            }
        };
    }
}
