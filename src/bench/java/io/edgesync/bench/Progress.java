package io.edgesync.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The progress display: every two seconds one line per running phase (elapsed time, operations per second, p99 of the
 * last interval, errors). On a terminal the line is rewritten in place.
 */
final class Progress implements AutoCloseable {

    private static final long INTERVAL_MILLIS = 2_000;

    private final PrintStream out;
    private final boolean terminal;
    private final Thread thread;
    private volatile String title;
    private volatile List<Stats> stats = List.of();
    private volatile long startNanos;
    private volatile Duration warmup = Duration.ZERO;
    private volatile Duration duration = Duration.ZERO;
    private volatile String status;
    private volatile boolean open;

    // (the bench runs on Java 17, where a null console is how "no terminal" reads; Console.isTerminal() is Java 22's)
    @SuppressWarnings("SystemConsoleNull")
    Progress(PrintStream out) {
        this.out = out;
        this.terminal = System.console() != null && System.getenv("CI") == null;
        this.thread = new Thread(this::run, "bench-progress");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** A timed phase starts. */
    void phase(String title, Duration warmup, Duration duration, List<Stats> stats) {
        this.title = title;
        this.warmup = warmup;
        this.duration = duration;
        this.stats = stats;
        this.status = null;
        this.startNanos = System.nanoTime();
        stats.forEach(Stats::takeWindow);
    }

    /** A phase without a fixed length (seeding, waiting): shows {@code status} text. */
    void status(String title, String status) {
        this.title = title;
        this.status = status;
        this.stats = List.of();
        if (startNanos == 0 || this.title == null) {
            startNanos = System.nanoTime();
        }
    }

    void phaseDone() {
        print(true);
        title = null;
        status = null;
        stats = List.of();
    }

    /** Prints a message on its own line. */
    synchronized void log(String message) {
        if (open) {
            out.println();
            open = false;
        }
        out.println(message);
        out.flush();
    }

    private void run() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            print(false);
        }
    }

    private synchronized void print(boolean last) {
        String t = title;
        if (t == null) {
            return;
        }
        StringBuilder line = new StringBuilder();
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        if (status != null) {
            line.append(String.format(Locale.ROOT, "  [%s] %5.0fs  %s", t, elapsed, status));
        } else {
            double warm = warmup.toMillis() / 1000.0;
            String phase = elapsed < warm ? "warm-up" : "measure";
            line.append(String.format(Locale.ROOT, "  [%s] %s %5.1f/%.0fs", t, phase, elapsed,
                    warm + duration.toMillis() / 1000.0));
            for (Stats s : stats) {
                double[] window = s.takeWindow();
                line.append(String.format(Locale.ROOT, " | %s %,.0f/s p99 %.1fms err %d", s.label(),
                        window[0] * 1000.0 / INTERVAL_MILLIS, window[1], s.errors()));
            }
        }
        if (terminal) {
            out.print("\r\033[K" + line);
            open = true;
            if (last) {
                out.println();
                open = false;
            }
        } else if (!last) {
            out.println(line);
        }
        out.flush();
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
