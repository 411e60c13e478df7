package io.edgesync.notify;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Announces each table's changes at most once per window. The first change of a quiet table is announced at once, so a
 * device learns of it without waiting; further changes within the window are announced once when it ends, so the last
 * change of a burst is never swallowed, and that announcement opens the next window. The window's length is asked for
 * each time one opens: it may follow the number of streams open ({@link ChangeListener#window}).
 *
 * <p> Not thread-safe: {@link ChangeListener} calls it, and runs the scheduled tasks, on its one Vert.x context.
 */
final class ChangeCoalescer {

    /** Runs a task once after a delay. */
    @FunctionalInterface
    interface Scheduler {
        void schedule(long delayMillis, Runnable task);
    }

    private final LongSupplier windowMillis;
    private final Scheduler scheduler;
    private final Consumer<String> announcer;
    /** Tables whose window is open, and whether they changed again since it opened. */
    private final Map<String, Boolean> openWindows = new HashMap<>();

    ChangeCoalescer(LongSupplier windowMillis, Scheduler scheduler, Consumer<String> announcer) {
        this.windowMillis = windowMillis;
        this.scheduler = scheduler;
        this.announcer = announcer;
    }

    /** Records a change of {@code table} (a lookup key). */
    void recordChange(String table) {
        Boolean changedAgain = openWindows.get(table);
        if (changedAgain == null) {
            openWindow(table);
        } else if (!changedAgain) {
            openWindows.put(table, Boolean.TRUE);
        }
    }

    /** Tables with an open window; for tests. */
    int openWindowCount() {
        return openWindows.size();
    }

    private void openWindow(String table) {
        long window = windowMillis.getAsLong();
        announcer.accept(table);
        if (window > 0) {
            openWindows.put(table, Boolean.FALSE);
            scheduler.schedule(window, () -> closeWindow(table));
        }
    }

    private void closeWindow(String table) {
        if (Boolean.TRUE.equals(openWindows.remove(table))) {
            openWindow(table);
        }
    }
}
