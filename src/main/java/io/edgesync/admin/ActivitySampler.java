package io.edgesync.admin;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.edgesync.config.ActiveIn;
import io.edgesync.config.Role;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;

/**
 * The gateway's activity over the last minutes, for the operator console: every {@link #INTERVAL} it reads the
 * gateway's own meters (writes, pulls, conflicts, outbox, consumer lag, propagation) and keeps the rates of the
 * interval, up to {@link #KEPT} samples. It reads memory only, never the database.
 */
@ApplicationScoped
@ActiveIn(Role.EDGE)
public class ActivitySampler {

    /** Time between two samples. */
    public static final Duration INTERVAL = Duration.ofSeconds(2);

    /** Samples kept: ten minutes. */
    static final int KEPT = 300;

    private final MeterRegistry metrics;
    private final Vertx vertx;
    private final Instant startedAt = Instant.now();
    private final Deque<AdminOverview.Sample> samples = new ArrayDeque<>();
    private Reading last;
    private long timer = -1;

    public ActivitySampler(MeterRegistry metrics, Vertx vertx) {
        this.metrics = metrics;
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent event) {
        last = read();
        timer = vertx.setPeriodic(INTERVAL.toMillis(), id -> sample(Instant.now()));
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** When the process started. */
    public Instant startedAt() {
        return startedAt;
    }

    /** The samples kept, oldest first. */
    public synchronized List<AdminOverview.Sample> samples() {
        return new ArrayList<>(samples);
    }

    /** Counts since the process started. */
    public AdminOverview.Totals totals() {
        Reading now = read();
        return new AdminOverview.Totals((long) now.writes, (long) now.pulls, (long) now.conflicts);
    }

    /** The device queues' gauges as last counted. */
    public AdminOverview.Queues queues() {
        return new AdminOverview.Queues((long) sumOfGauges("edgesync.queue.parked"),
                (long) sumOfGauges("edgesync.devices.active"));
    }

    /** Takes the sample of the interval that ends {@code at}. */
    synchronized void sample(Instant at) {
        Reading now = read();
        Reading before = last == null ? now : last;
        double seconds = Math.max(0.001, Duration.between(before.at, at).toMillis() / 1000.0);
        double propagated = now.propagated - before.propagated;
        Double propagationMillis = propagated > 0
                ? (now.propagationMillis - before.propagationMillis) / propagated
                : null;
        samples.addLast(new AdminOverview.Sample(at, (now.writes - before.writes) / seconds,
                (now.pulls - before.pulls) / seconds, (now.conflicts - before.conflicts) * 60 / seconds,
                (long) sumOfGauges("edgesync.outbox.lag"), maxOfGauges("edgesync.outbox.oldest.age"),
                (long) sumOfGauges("edgesync.consumer.lag"), propagationMillis));
        while (samples.size() > KEPT) {
            samples.removeFirst();
        }
        last = new Reading(at, now.writes, now.pulls, now.conflicts, now.propagated, now.propagationMillis);
    }

    /** The meters' values at one moment. */
    private record Reading(Instant at, double writes, double pulls, double conflicts, double propagated,
            double propagationMillis) {
    }

    private Reading read() {
        List<Timer> propagation = new ArrayList<>(metrics.find("edgesync.changes.propagation").timers());
        return new Reading(Instant.now(), sumOfCounters("edgesync.operations"), sumOfCounters("edgesync.pulls"),
                sumOfCounters("edgesync.conflicts"), sum(propagation, Timer::count),
                sum(propagation, timer -> timer.totalTime(TimeUnit.MILLISECONDS)));
    }

    private double sumOfCounters(String name) {
        return sum(metrics.find(name).counters(), Counter::count);
    }

    private double sumOfGauges(String name) {
        return sum(metrics.find(name).gauges(), Gauge::value);
    }

    private double maxOfGauges(String name) {
        return metrics.find(name)
                .gauges()
                .stream()
                .mapToDouble(Gauge::value)
                .filter(v -> !Double.isNaN(v))
                .max()
                .orElse(0);
    }

    private static <M> double sum(Iterable<M> meters, ToDoubleFunction<M> value) {
        double sum = 0;
        for (M meter : meters) {
            double v = value.applyAsDouble(meter);
            if (!Double.isNaN(v)) {
                sum += v;
            }
        }
        return sum;
    }
}
