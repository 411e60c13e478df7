package io.edgesync.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgesync.common.DatabaseAvailability;
import io.edgesync.common.ServiceUnavailableException;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.config.Role;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.mutiny.core.Context;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The visibility horizon of every sync table: the highest stamp at or below which every change is settled (committed
 * and visible to a new snapshot, or rolled back). Pulls read only up to it, so a pull never returns a change while one
 * with a smaller stamp can still commit (docs/adr/0003-stamps-below-a-visibility-horizon.md).
 *
 * <p> The horizon is derived from what is already committed: a round reads every table's clock together with
 * {@code pg_snapshot_xmin}, and {@link ClockObservations} decides what may be published. Rounds run while changes wait
 * to become visible (a write of this process or a notification from another replica asks for one), at most every
 * {@code edgesync.visibility.interval-millis}; otherwise every {@code idle-poll-millis}. Each advance is announced to
 * this process ({@link #advances()}: change notifications), and a pull waits, for a bounded time, until this process's
 * own committed changes of its table are visible, so a device sees its own writes in its next pull.
 *
 * <p> Rounds and waiters live on one Vert.x context; the published state is read from any thread.
 */
@ApplicationScoped
public class VisibilityHorizon {

    /** Every table's clock, read after the snapshot whose xmin comes with it. */
    private static final String READ_CLOCKS = """
            SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin, t.name, c.last_stamp, c.last_xid
            FROM sync_table t, LATERAL es_clock_read(t.name) c""";

    /** The newest change at or below each new horizon (what a no-change pull is compared with), and the purge mark. */
    static final String READ_LATEST = "SELECT v.name, t.purged_through, latest.* "
            + "FROM unnest($1::text[], $2::bigint[]) AS v(name, horizon) "
            + "JOIN sync_table t ON t.name = v.name "
            + "LEFT JOIN LATERAL (SELECT " + RecordStore.SELECT_COLUMNS + " FROM sync_record r "
            + "WHERE r.table_name = v.name AND r.updated_at <= es_stamp_time(v.horizon) "
            + "ORDER BY r.updated_at DESC LIMIT 1) latest "
            + "ON TRUE";

    /** The session holding the oldest transaction id: what holds every horizon back when one is stuck. */
    private static final String OLDEST_TRANSACTION = """
            SELECT pid, datname, usename, application_name, state, backend_xid::text AS xid,
                   extract(epoch FROM clock_timestamp() - xact_start)::bigint AS seconds
            FROM pg_stat_activity WHERE backend_xid IS NOT NULL
            ORDER BY age(backend_xid) DESC LIMIT 1""";

    /** The channel on which replicas of an edge tell each other that their changes became visible. */
    public static final String CHANNEL = "edgesync_horizon";

    /**
     * What a pull of a table can see.
     *
     * @param horizon stamps at or below it are settled
     * @param latestStamp the highest change position at or below the horizon, or of a purged tombstone: a native token
     *     at or above it has nothing to pull
     * @param latest the newest change at or below the horizon, if the table has rows: a ZUMO watermark at or above its
     *     {@code updatedAt} has nothing to pull
     */
    public record Visible(long horizon, long latestStamp, Optional<StoredRecord> latest) {
    }

    /**
     * The horizon of a table moved: changes with stamps in {@code (from, to]} became visible.
     *
     * @param local whether this process committed one of them
     */
    public record Advance(String table, long from, long to, boolean local) {
    }

    private record Waiter(long target, UniEmitter<? super Visible> emitter, Context caller, long timer) {
    }

    private final Pool pool;
    private final DatabaseAvailability databases;
    private final Vertx vertx;
    private final ObjectMapper json;
    private final MeterRegistry metrics;
    private final EdgeSyncConfig.Visibility config;
    private final boolean enabled;

    private final ConcurrentMap<String, Visible> visible = new ConcurrentHashMap<>();
    /** The highest stamp a write of this process committed per table: a pull waits until it is visible. */
    private final ConcurrentMap<String, Long> committedHere = new ConcurrentHashMap<>();
    private final BroadcastProcessor<Advance> advances = BroadcastProcessor.create();
    private final AtomicBoolean roundRequested = new AtomicBoolean();
    private volatile boolean stopped;
    private volatile long lagNanos;
    private volatile Optional<String> heldBackBy = Optional.empty();
    private volatile boolean established;
    private Set<String> lastTables = Set.of();

    // Confined to the horizon's context.
    private Context context;
    private final ClockObservations observations = new ClockObservations();
    private final Map<String, List<Waiter>> waiters = new HashMap<>();
    private boolean roundRunning;
    private long roundTimer = -1;
    private long idleTimer = -1;
    private long lastRoundStart;
    private boolean failing;
    private boolean heldBack;
    private boolean startupDone;
    private Counter rounds;

    public VisibilityHorizon(Pool pool, Vertx vertx, ObjectMapper json, MeterRegistry metrics,
            EdgeSyncConfig config, DatabaseAvailability databases) {
        this.databases = databases;
        this.pool = pool;
        this.vertx = vertx;
        this.json = json;
        this.metrics = metrics;
        this.config = config.visibility();
        this.enabled = config.role().includes(Role.EDGE);
    }

    void start(@Observes StartupEvent event) {
        if (!enabled) {
            return;
        }
        rounds = Counter.builder("edgesync.visibility.rounds")
                .description("Reads of the tables' clocks that decide what pulls may see")
                .register(metrics);
        Gauge.builder("edgesync.visibility.lag.seconds", this, horizon -> horizon.lagNanos / 1e9)
                .description("Age of the oldest change that is committed or in flight but not yet visible to pulls")
                .register(metrics);
        context = vertx.getOrCreateContext();
        context.runOnContext(() -> {
            idleTimer = vertx.setPeriodic(Math.max(10, config.idlePollMillis()), id -> requestRound());
            scheduleRound();
        });
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
        if (context == null) {
            advances.onComplete();
            return;
        }
        context.runOnContext(() -> {
            vertx.cancelTimer(idleTimer);
            if (roundTimer >= 0) {
                vertx.cancelTimer(roundTimer);
            }
            advances.onComplete();
        });
    }

    /** Advances of every table's horizon, as they happen. Hot: a subscriber sees those after it subscribed. */
    public Multi<Advance> advances() {
        return advances;
    }

    /** What pulls of {@code table} see now, if the horizon of the table is known. */
    public Optional<Visible> current(String table) {
        return Optional.ofNullable(visible.get(table));
    }

    /**
     * What a pull of {@code table} reads: at once when every change this process committed to the table is visible,
     * otherwise once it is (at most {@code edgesync.visibility.pull-wait-millis} later; then what is visible). Fails
     * with 503 when the table's horizon is not known yet (just after start) and does not become known within that time.
     */
    public Uni<Visible> forPull(String table) {
        Visible now = visible.get(table);
        Long committed = committedHere.get(table);
        if (now != null && (committed == null || now.horizon() >= committed)) {
            return Uni.createFrom().item(now);
        }
        return awaitVisible(table, committed == null ? -1 : committed, Duration.ofMillis(config.pullWaitMillis()),
                true);
    }

    /**
     * Waits until the horizon of {@code table} reaches {@code stamp}, for at most {@code timeout}; then answers what is
     * visible (or fails with 503 when nothing is known of the table).
     */
    public Uni<Visible> awaitVisible(String table, long stamp, Duration timeout) {
        return awaitVisible(table, stamp, timeout, false);
    }

    private Uni<Visible> awaitVisible(String table, long stamp, Duration timeout, boolean skipWhenHeldBack) {
        if (!enabled || context == null) {
            return Uni.createFrom().failure(new ServiceUnavailableException("Changes are not served here", 5));
        }
        return Uni.createFrom().emitter(emitter -> {
            io.vertx.core.Context caller = io.vertx.core.Vertx.currentContext();
            context.runOnContext(() -> addWaiter(table, stamp, timeout, skipWhenHeldBack, emitter,
                    caller == null ? null : Context.newInstance(caller)));
        });
    }

    /**
     * A transaction of this process committed changes of {@code table} with stamps up to {@code stamp}: pulls of the
     * table on this process wait until it is visible (a device sees its own writes), and a round is due.
     */
    public void committed(String table, long stamp) {
        committedHere.merge(table, stamp, Math::max);
        requestRound();
    }

    /** Asks for a round soon (a write committed, another replica announced changes). Any thread. */
    public void requestRound() {
        if (context != null && !stopped && roundRequested.compareAndSet(false, true)) {
            context.runOnContext(this::scheduleRound);
        }
    }

    /** Reads every clock now and waits until all of them are visible: for tests and administrative checks. */
    public Uni<Void> awaitAllVisible(Duration timeout) {
        return pool.preparedQuery(READ_CLOCKS)
                .execute()
                .chain(rows -> {
                    List<Uni<Visible>> waits = new ArrayList<>();
                    for (Row row : rows) {
                        waits.add(awaitVisible(row.getString("name"), row.getLong("last_stamp"), timeout));
                    }
                    return waits.isEmpty()
                            ? Uni.createFrom().voidItem()
                            : Uni.join().all(waits).andFailFast().replaceWithVoid();
                });
    }

    /** How long the oldest change not yet visible has waited. */
    public Duration lag() {
        return Duration.ofNanos(lagNanos);
    }

    /** The session that held the horizon back the last time it was, while it still is. */
    public Optional<String> heldBackBy() {
        return heldBackBy;
    }

    /** Whether the horizon of every table that existed at the last round is known. */
    public boolean established() {
        return established;
    }

    // ---------------------------------------------------------------------------------------- on the horizon's context

    private void addWaiter(String table, long target, Duration timeout, boolean skipWhenHeldBack,
            UniEmitter<? super Visible> emitter, Context caller) {
        Visible now = visible.get(table);
        if (now != null && (now.horizon() >= target || (skipWhenHeldBack && heldBack))) {
            emit(emitter, caller, now);
            return;
        }
        long[] timer = new long[1];
        timer[0] = vertx.setTimer(Math.max(1, timeout.toMillis()), id -> timeOut(table, emitter));
        waiters.computeIfAbsent(table, t -> new ArrayList<>()).add(new Waiter(target, emitter, caller, timer[0]));
        roundRequested.set(true);
        scheduleRound();
    }

    private void timeOut(String table, UniEmitter<? super Visible> emitter) {
        List<Waiter> list = waiters.get(table);
        if (list == null) {
            return;
        }
        for (Iterator<Waiter> it = list.iterator(); it.hasNext();) {
            Waiter waiter = it.next();
            if (waiter.emitter() == emitter) {
                it.remove();
                Visible now = visible.get(table);
                if (now != null) {
                    emit(emitter, waiter.caller(), now);
                } else {
                    fail(emitter, waiter.caller(), new ServiceUnavailableException(
                            "The changes of this table are not visible yet; try again", 1));
                }
            }
        }
        if (list.isEmpty()) {
            waiters.remove(table);
        }
    }

    private void completeWaiters(String table, Visible now) {
        List<Waiter> list = waiters.get(table);
        if (list == null) {
            return;
        }
        for (Iterator<Waiter> it = list.iterator(); it.hasNext();) {
            Waiter waiter = it.next();
            if (now.horizon() >= waiter.target()) {
                it.remove();
                vertx.cancelTimer(waiter.timer());
                emit(waiter.emitter(), waiter.caller(), now);
            }
        }
        if (list.isEmpty()) {
            waiters.remove(table);
        }
    }

    private static void emit(UniEmitter<? super Visible> emitter, Context caller, Visible value) {
        if (caller == null) {
            emitter.complete(value);
        } else {
            caller.runOnContext(() -> emitter.complete(value));
        }
    }

    private static void fail(UniEmitter<? super Visible> emitter, Context caller, Throwable failure) {
        if (caller == null) {
            emitter.fail(failure);
        } else {
            caller.runOnContext(() -> emitter.fail(failure));
        }
    }

    /** Runs a round now, or as soon as the interval since the last one allows; never two at once. */
    private void scheduleRound() {
        if (stopped || roundRunning || roundTimer >= 0) {
            return;
        }
        long sinceLast = System.nanoTime() - lastRoundStart;
        long delayMillis = nextDelayMillis() - sinceLast / 1_000_000;
        if (delayMillis > 0) {
            roundTimer = vertx.setTimer(delayMillis, id -> {
                roundTimer = -1;
                runRound();
            });
        } else {
            runRound();
        }
    }

    /**
     * The pause between rounds: the configured interval while changes are young, longer while the oldest one has waited
     * long (a stuck transaction would otherwise be asked about hundreds of times a second), at most 100 ms.
     */
    private long nextDelayMillis() {
        long interval = Math.max(0, config.intervalMillis());
        long lagMillis = lagNanos / 1_000_000;
        return Math.min(Math.max(interval, lagMillis / 4), Math.max(interval, 100));
    }

    private void runRound() {
        if (stopped || roundRunning) {
            return;
        }
        roundRunning = true;
        roundRequested.set(false);
        lastRoundStart = System.nanoTime();
        pool.preparedQuery(READ_CLOCKS)
                .execute()
                .subscribe()
                .with(rows -> context.runOnContext(() -> clocksRead(rows)),
                        failure -> context.runOnContext(() -> roundFailed(failure)));
    }

    private void clocksRead(RowSet<Row> rows) {
        rounds.increment();
        long now = System.nanoTime();
        Map<String, ClockObservations.Clock> clocks = new HashMap<>();
        long xmin = Long.MAX_VALUE;
        for (Row row : rows) {
            xmin = row.getLong("xmin");
            clocks.put(row.getString("name"),
                    new ClockObservations.Clock(row.getLong("last_stamp"), row.getLong("last_xid")));
        }
        lastTables = new HashSet<>(clocks.keySet());
        observations.retain(lastTables);
        visible.keySet().retainAll(clocks.keySet());
        Map<String, Long> movable = clocks.isEmpty() ? Map.of() : observations.observe(xmin, clocks, now);
        if (movable.isEmpty()) {
            roundDone();
            return;
        }
        List<String> names = new ArrayList<>(movable.keySet());
        Long[] horizons = names.stream().map(movable::get).toArray(Long[]::new);
        pool.preparedQuery(READ_LATEST)
                .execute(Tuple.of(names.toArray(String[]::new), horizons))
                .subscribe()
                .with(latest -> context.runOnContext(() -> publish(movable, latest)),
                        failure -> context.runOnContext(() -> roundFailed(failure)));
    }

    private void publish(Map<String, Long> movable, RowSet<Row> latestRows) {
        for (Row row : latestRows) {
            String table = row.getString("name");
            long horizon = movable.get(table);
            Optional<StoredRecord> latest = row.getString("id") == null
                    ? Optional.empty()
                    : Optional.of(RecordStore.toStoredRecord(row, json));
            long latestStamp = Math.max(latest.map(StoredRecord::changeSeq).orElse(0L),
                    row.getLong("purged_through"));
            Visible previous = visible.put(table, new Visible(horizon, latestStamp, latest));
            observations.published(table, horizon);
            long from = previous == null ? -1 : previous.horizon();
            Long committed = committedHere.get(table);
            completeWaiters(table, visible.get(table));
            // A table first seen after start is new: its changes are announced; at start nothing is.
            if (previous != null || startupDone) {
                advances.onNext(new Advance(table, from, horizon, committed != null && committed > from));
            }
        }
        roundDone();
    }

    private void roundFailed(Throwable failure) {
        if (!failing && !stopped) {
            failing = true;
            Log.warnf("Cannot read the tables' clocks (%s); pulls see what was visible before, retrying",
                    failure.getMessage());
        }
        roundRunning = false;
        roundRequested.set(true);
        if (!stopped) {
            roundTimer = vertx.setTimer(500, id -> {
                roundTimer = -1;
                scheduleRound();
            });
        }
    }

    private void roundDone() {
        databases.reachable();
        if (failing) {
            failing = false;
            Log.info("Reading the tables' clocks again; changes become visible");
        }
        roundRunning = false;
        startupDone = true;
        established = visible.keySet().containsAll(lastTables);
        OptionalLong oldest = observations.oldestPendingNanos();
        lagNanos = oldest.isPresent() ? Math.max(0, System.nanoTime() - oldest.getAsLong()) : 0;
        checkHeldBack();
        if (roundRequested.get() || oldest.isPresent() || !waiters.isEmpty()) {
            scheduleRound();
        }
    }

    /** Logs the session holding the horizon back once when it starts to, and once when it stops. */
    private void checkHeldBack() {
        boolean now = lagNanos > Duration.ofSeconds(Math.max(1, config.heldBackAfterSeconds())).toNanos();
        if (now && !heldBack) {
            heldBack = true;
            pool.query(OLDEST_TRANSACTION)
                    .execute()
                    .subscribe()
                    .with(rows -> {
                        String who = "an unknown transaction";
                        for (Row row : rows) {
                            who = "pid " + row.getInteger("pid") + " (database " + row.getString("datname")
                                    + ", user " + row.getString("usename") + ", application '"
                                    + row.getString("application_name") + "', " + row.getString("state")
                                    + ", transaction " + row.getString("xid") + " open for "
                                    + row.getLong("seconds") + " s)";
                        }
                        heldBackBy = Optional.of(who);
                        Log.warnf("Changes are not becoming visible to pulls: held back for more than %d s by %s;"
                                + " writes go on, pulls see older data until that transaction ends",
                                config.heldBackAfterSeconds(), who);
                    }, failure -> Log.warnf("Changes are not becoming visible to pulls for more than %d s",
                            config.heldBackAfterSeconds()));
        } else if (!now && heldBack) {
            heldBack = false;
            heldBackBy = Optional.empty();
            Log.info("Changes are becoming visible to pulls again");
        }
    }
}
