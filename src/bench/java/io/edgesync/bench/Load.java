package io.edgesync.bench;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.LongFunction;

import io.vertx.core.Context;
import io.vertx.core.Vertx;

/** Load drivers: a closed loop of virtual users, and an open loop at a fixed offered rate. */
final class Load {

    /** One simulated client: each step is one iteration of its behaviour, timing its own requests. */
    interface VirtualUser {
        CompletableFuture<?> step();
    }

    /** What a measured phase took. */
    record Phase(double seconds, CpuMeter.Usage cpu) {
    }

    private Load() {
    }

    /**
     * Runs {@code concurrency} virtual users back to back for {@code warmup + duration}; stats count only after the
     * warm-up. Returns the measured seconds and the CPU use of the measured part.
     */
    static Phase closedLoop(Vertx vertx, String title, int concurrency, Duration warmup, Duration duration,
            List<Stats> stats, IntFunction<VirtualUser> users, Progress progress, CpuMeter cpu) {
        stats.forEach(s -> s.recording(false));
        long start = System.nanoTime();
        long measureFrom = start + warmup.toNanos();
        long end = measureFrom + duration.toNanos();
        CountDownLatch done = new CountDownLatch(concurrency);
        for (int i = 0; i < concurrency; i++) {
            VirtualUser user = users.apply(i);
            Context context = vertx.getOrCreateContext();
            context.runOnContext(ignored -> loop(context, user, end, done));
        }
        progress.phase(title, warmup, duration, stats);
        sleepUntil(measureFrom);
        stats.forEach(s -> s.recording(true));
        CpuMeter.Snapshot before = cpu.snapshot();
        long measuredStart = System.nanoTime();
        sleepUntil(end);
        CpuMeter.Snapshot after = cpu.snapshot();
        double seconds = (System.nanoTime() - measuredStart) / 1e9;
        stats.forEach(s -> s.recording(false));
        await(done, Duration.ofSeconds(60));
        progress.phaseDone();
        return new Phase(seconds, cpu.usage(before, after));
    }

    private static void loop(Context context, VirtualUser user, long end, CountDownLatch done) {
        if (System.nanoTime() >= end) {
            done.countDown();
            return;
        }
        CompletableFuture<?> step;
        try {
            step = user.step();
        } catch (RuntimeException e) {
            step = CompletableFuture.failedFuture(e);
        }
        // Always continue on the context, never on the completing stack: no recursion however fast steps complete.
        var unused = step.whenComplete((ignored, failure) -> context.runOnContext(v -> loop(context, user, end, done)));
    }

    /**
     * Starts {@code operation.apply(n)} for n = 0, 1, 2, ... at {@code perSecond}, whatever the server's pace (latency
     * is measured by the caller from each operation's intended start, so queueing shows up in it). Once more than
     * {@code maxInFlight} operations are outstanding the server is overloaded: the loop stops early rather than pile up
     * minutes of backlog. Returns the number of operations started.
     */
    static long openLoop(Vertx vertx, double perSecond, Duration duration, LongFunction<CompletableFuture<?>> operation,
            AtomicInteger inFlight, int maxInFlight) {
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long[] started = {0};
        CountDownLatch finished = new CountDownLatch(1);
        long timer = vertx.setPeriodic(1, id -> {
            long now = System.nanoTime();
            long due = Math.min((long) ((Math.min(now, end) - start) / 1e9 * perSecond), Long.MAX_VALUE);
            while (started[0] < due) {
                long n = started[0]++;
                inFlight.incrementAndGet();
                var unused = operation.apply(n).whenComplete((r, e) -> inFlight.decrementAndGet());
            }
            if (now >= end || inFlight.get() > maxInFlight) {
                vertx.cancelTimer(id);
                finished.countDown();
            }
        });
        await(finished, duration.plusSeconds(30));
        vertx.cancelTimer(timer);
        return started[0];
    }

    /**
     * Runs {@code operation.apply(n)} for n = 0 .. count-1, at most {@code concurrency} at a time, and waits for all
     * (seeding, registering). Returns how many failed; the progress display shows how far it got.
     */
    static long bounded(Vertx vertx, int concurrency, long count, LongFunction<CompletableFuture<?>> operation,
            Progress progress, String title) {
        java.util.concurrent.atomic.AtomicLong next = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong completed = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
        CountDownLatch done = new CountDownLatch(concurrency);
        for (int i = 0; i < concurrency; i++) {
            Context context = vertx.getOrCreateContext();
            context.runOnContext(ignored -> boundedLoop(context, next, count, operation, completed, failed, done));
        }
        long start = System.nanoTime();
        while (done.getCount() > 0) {
            double seconds = (System.nanoTime() - start) / 1e9;
            progress.status(title, String.format(java.util.Locale.ROOT, "%,d / %,d (%,.0f/s), %d failed",
                    completed.get(), count, completed.get() / Math.max(seconds, 0.001), failed.get()));
            try {
                done.await(500, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        progress.phaseDone();
        return failed.get();
    }

    private static void boundedLoop(Context context, java.util.concurrent.atomic.AtomicLong next, long count,
            LongFunction<CompletableFuture<?>> operation, java.util.concurrent.atomic.AtomicLong completed,
            java.util.concurrent.atomic.AtomicLong failed, CountDownLatch done) {
        long n = next.getAndIncrement();
        if (n >= count) {
            done.countDown();
            return;
        }
        CompletableFuture<?> step;
        try {
            step = operation.apply(n);
        } catch (RuntimeException e) {
            step = CompletableFuture.failedFuture(e);
        }
        var unused = step.whenComplete((ignored, failure) -> {
            completed.incrementAndGet();
            if (failure != null) {
                failed.incrementAndGet();
            }
            context.runOnContext(v -> boundedLoop(context, next, count, operation, completed, failed, done));
        });
    }

    static void sleepUntil(long nanoTime) {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(Math.min(left, 100_000_000L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    static void await(CountDownLatch latch, Duration timeout) {
        try {
            latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Blocks for a future from the harness's main thread. */
    static <T> T join(CompletableFuture<T> future, Duration timeout) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(Http.describe(e), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Timed out after " + timeout, e);
        }
    }
}
