package io.edgesync.scope;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.edgesync.cache.RecordStore;
import io.edgesync.cache.TableInfo;
import io.edgesync.common.Meters;
import io.edgesync.common.ServiceUnavailableException;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.config.Role;
import io.edgesync.device.DeviceQueue;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The users whose rows this edge holds in tables whose scope is {@code owners} ({@code edge_user}): a user arrives with
 * their first pull or write here; their rows are then fetched from central (the first pull waits for that a bounded
 * time, {@code edgesync.edge.owners.backfill-wait-seconds}, then answers 503 with {@code Retry-After}; writes never
 * wait), and from then on the change stream's changes of their rows are applied here, those of other users skipped
 * without reading the cache. A user idle longer than {@code edgesync.edge.owners.idle-days} is evicted: their rows and
 * their devices' replicas go from this edge only, and come back by the same fetch when they return.
 *
 * <p> Replicas of one edge share the table: each reads it whole at its start, then every {@code refresh-seconds} the
 * users whose state changed since its last read (arrived, filled, evicted: an eviction marks the user rather than
 * deleting the row, and marks go after a day), and a user's rows are fetched a second time after twice that time, for
 * the changes a replica skipped before it knew the user (positions come from one sequence, so the second fetch finds
 * each such row at its newest state).
 */
@ApplicationScoped
public class EdgeUsers {

    private static final Logger LOG = Logger.getLogger(EdgeUsers.class);
    /** A user seen within this time is not written as seen again. */
    private static final Duration SEEN_PRECISION = Duration.ofMinutes(10);
    private static final int EVICTION_BATCH = 100;
    /**
     * How far before its last read a replica reads again: a change is stamped when its statement runs and seen when it
     * commits, and every statement that changes the table commits at once (one statement, no other work).
     */
    private static final Duration READ_OVERLAP = Duration.ofMinutes(1);
    /** How long an evicted user's mark stays, for replicas that read only what changed. */
    private static final Duration EVICTED_KEPT = Duration.ofDays(1);

    private final EdgeSyncConfig config;
    private final EdgeScopes scopes;
    private final ScopeBackfill backfill;
    private final CentralSource central;
    private volatile MasterRowsSource source;
    private final RecordStore records;
    private final DeviceQueue devices;
    private final Pool pool;
    private final Vertx vertx;
    private final MeterRegistry metrics;
    /** Users whose rows this edge holds (their fetch may still run): the change stream's test, in memory. */
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    /** Users whose rows were fetched, and when this process last wrote that they were seen (nanoTime). */
    private final Map<String, Long> filled = new ConcurrentHashMap<>();
    /** The fetch of each user that is running: a first pull waits for it. */
    private final Map<String, Uni<Void>> filling = new ConcurrentHashMap<>();
    private final boolean active;
    private final AtomicBoolean failing = new AtomicBoolean();
    /** Completed once the users were first read after the start. */
    private final CompletableFuture<Void> loaded = new CompletableFuture<>();
    /** The database's time of the last read of the table: the next reads what changed since (null: all of it). */
    private volatile OffsetDateTime lastRead;
    /** Users the last read returned (tests: a read after the first returns only what changed). */
    private volatile int lastReadUsers;

    public EdgeUsers(EdgeSyncConfig config, EdgeScopes scopes, ScopeBackfill backfill, CentralSource central,
            RecordStore records, DeviceQueue devices, Pool pool, Vertx vertx,
            MeterRegistry metrics) {
        this.config = config;
        this.scopes = scopes;
        this.backfill = backfill;
        this.central = central;
        this.source = central;
        this.records = records;
        this.devices = devices;
        this.pool = pool;
        this.vertx = vertx;
        this.metrics = metrics;
        this.active = config.role().includes(Role.EDGE) && scopes.holdsOwners();
    }

    void start(@Observes StartupEvent event) {
        if (!active) {
            return;
        }
        Gauge.builder("edgesync.scope.users", held, Set::size)
                .description("Users whose rows this edge holds in tables whose scope is owners")
                .register(metrics);
        EdgeSyncConfig.Owners owners = config.edge().owners();
        long refresh = Duration.ofSeconds(owners.refreshSeconds()).toMillis();
        vertx.setPeriodic(refresh, id -> refresh().subscribe()
                .with(done -> {
                }, failure -> LOG.debugf("Reading the edge's users failed: %s", failure.getMessage())));
        long eviction = Duration.ofMinutes(owners.evictionIntervalMinutes()).toMillis();
        vertx.setPeriodic(eviction, id -> evictIdle().subscribe()
                .with(count -> {
                }, failure -> LOG.warnf("Evicting idle users failed: %s", failure.getMessage())));
        // Users who arrived before and whose rows were not all fetched (a restart in the middle): fetch them now.
        refresh().chain(() -> pool.query("SELECT user_id FROM edge_user WHERE filled_at IS NULL AND NOT evicted")
                .execute())
                .subscribe()
                .with(rows -> rows.forEach(row -> startFill(row.getString(0))),
                        failure -> LOG.warnf("Reading the edge's users failed: %s", failure.getMessage()));
    }

    /**
     * Whether this edge holds rows of {@code owner} (a row of nobody is everyone's). Blocks, at most {@code wait},
     * until the users were read once after the start: for the change stream's consumer, which must not skip the changes
     * of a user only because the table was not read yet.
     *
     * @throws IllegalStateException when the users could not be read in time (the consumer tries the batch again)
     */
    public boolean holds(Optional<String> owner, Duration wait) {
        if (owner.isEmpty()) {
            return true;
        }
        try {
            loaded.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while reading the edge's users", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("The edge's users could not be read yet", e);
        }
        return held.contains(owner.get());
    }

    /**
     * A pull of {@code table} by {@code user}: completes at once when the table's scope is not {@code owners} or the
     * user's rows are here; otherwise the user arrives, and this waits for their rows up to the configured time, then
     * fails with a {@link ServiceUnavailableException}.
     */
    public Uni<Void> beforePull(String table, Optional<String> user) {
        if (!active || user.isEmpty() || !(scopes.of(table) instanceof EdgeScopes.Owners)) {
            return Uni.createFrom().voidItem();
        }
        String subject = user.get();
        if (filled.containsKey(subject)) {
            return seen(subject);
        }
        int wait = config.edge().owners().backfillWaitSeconds();
        int retryAfter = Math.max(1, wait / 2);
        return startFill(subject).ifNoItem()
                .after(Duration.ofSeconds(wait))
                .failWith(() -> new ServiceUnavailableException("Your rows are being fetched to this edge: try again"
                        + " in a few seconds", retryAfter))
                .onFailure(failure -> !(failure instanceof ServiceUnavailableException))
                .transform(failure -> new ServiceUnavailableException("Your rows could not be fetched to this edge"
                        + " yet: try again in a few seconds", retryAfter));
    }

    /** A write to {@code table} by {@code user}: the user arrives (their rows are fetched), and nothing waits. */
    public void beforeWrite(String table, Optional<String> user) {
        if (!active || user.isEmpty() || !(scopes.of(table) instanceof EdgeScopes.Owners)) {
            return;
        }
        if (filled.containsKey(user.get())) {
            seen(user.get()).subscribe().with(done -> {
            }, failure -> LOG.debugf("Recording that a user was seen failed: %s", failure.getMessage()));
        } else {
            startFill(user.get());
        }
    }

    /** The user's fetch: one per user at a time, joined by every request that waits for it. */
    private Uni<Void> startFill(String user) {
        Uni<Void> fill = filling.computeIfAbsent(user, u -> arrive(u).chain(alreadyFilled -> alreadyFilled
                ? Uni.createFrom().voidItem()
                : fetchAll(u).chain(() -> markFilled(u)).invoke(() -> fetchAgainLater(u)))
                .invoke(() -> {
                    filled.put(u, System.nanoTime());
                    if (failing.compareAndSet(true, false)) {
                        LOG.info("Users' rows are fetched from central again");
                    }
                })
                .onFailure()
                .invoke(failure -> {
                    if (failing.compareAndSet(false, true)) {
                        LOG.warnf("Fetching users' rows from central failed (%s): their first pulls answer 503 until"
                                + " it works; each user's next request tries again", failure.getMessage());
                    }
                })
                .eventually(() -> {
                    filling.remove(u);
                })
                .memoize()
                .indefinitely());
        // (started now, whoever waits or not; a failure is logged above, once per incident)
        fill.subscribe().with(done -> {
        }, failure -> {
        });
        return fill;
    }

    /**
     * Records the user as held (in the table first, then in memory, so a replica's refresh never misses a user this
     * process already holds); answers whether their rows were fetched already (another replica, an earlier start; not
     * for a user evicted since, who comes back like a new one).
     */
    private Uni<Boolean> arrive(String user) {
        return pool.preparedQuery("""
                INSERT INTO edge_user AS u (user_id) VALUES ($1)
                ON CONFLICT (user_id) DO UPDATE SET last_seen = now(), evicted = false,
                    filled_at = CASE WHEN u.evicted THEN NULL ELSE u.filled_at END,
                    changed_at = CASE WHEN u.evicted THEN clock_timestamp() ELSE u.changed_at END
                RETURNING u.filled_at IS NOT NULL""")
                .execute(Tuple.of(user))
                .map(rows -> {
                    held.add(user);
                    return rows.iterator().next().getBoolean(0);
                });
    }

    private Uni<Void> markFilled(String user) {
        return pool.preparedQuery(
                "UPDATE edge_user SET filled_at = now(), changed_at = clock_timestamp() WHERE user_id = $1")
                .execute(Tuple.of(user))
                .replaceWithVoid();
    }

    /** Writes that the user was seen, at most once per {@link #SEEN_PRECISION} per process. */
    private Uni<Void> seen(String user) {
        long now = System.nanoTime();
        Long last = filled.get(user);
        if (last != null && now - last < SEEN_PRECISION.toNanos()) {
            return Uni.createFrom().voidItem();
        }
        filled.put(user, now);
        return pool.preparedQuery("UPDATE edge_user SET last_seen = now() WHERE user_id = $1")
                .execute(Tuple.of(user))
                .replaceWithVoid();
    }

    /** Fetches the user's rows of every table whose scope is {@code owners} from central. */
    private Uni<Void> fetchAll(String user) {
        return ownersTables().chain(tables -> {
            Uni<Void> all = Uni.createFrom().voidItem();
            for (String table : tables) {
                all = all.chain(() -> backfill.fetch(table, MasterRowsSource.Query.ownedBy(user), source, 0,
                        (last, rows) -> Uni.createFrom().voidItem()));
            }
            return all;
        });
    }

    /** The fetch once more, for changes of the user's rows a replica skipped before it knew the user. */
    private void fetchAgainLater(String user) {
        long delay = Duration.ofSeconds(2L * config.edge().owners().refreshSeconds()).toMillis();
        vertx.setTimer(delay, id -> fetchAll(user).subscribe()
                .with(done -> {
                }, failure -> LOG.debugf("Fetching a user's rows again failed: %s", failure.getMessage())));
    }

    /**
     * The tables whose scope is {@code owners}: the declared ones, and when it is the default scope every table central
     * or this edge knows that is not declared otherwise.
     */
    private Uni<List<String>> ownersTables() {
        Set<String> tables = new LinkedHashSet<>();
        scopes.declaredScopes().forEach((table, scope) -> {
            if (scope instanceof EdgeScopes.Owners) {
                tables.add(table);
            }
        });
        if (!(scopes.defaultScope() instanceof EdgeScopes.Owners)) {
            return Uni.createFrom().item(List.copyOf(tables));
        }
        return central.tables().map(names -> {
            names.stream()
                    .filter(name -> scopes.of(name) instanceof EdgeScopes.Owners)
                    .forEach(name -> tables.add(TableInfo.key(name)));
            return List.copyOf(tables);
        });
    }

    /** Where users' rows are fetched from: central's API for edges, or what a test puts in its place. */
    void fetchFrom(MasterRowsSource rows) {
        this.source = rows;
    }

    /** Forgets, in this process, which users' rows were fetched (for tests that start users over). */
    void forgetFetched() {
        filled.clear();
    }

    /**
     * Reads the users of the table whose state changed since the last read (all of them the first time): other
     * replicas' arrivals and evictions, keeping this process's own arrivals.
     */
    Uni<Void> refresh() {
        OffsetDateTime since = lastRead;
        String columns = "SELECT now(), u.user_id, u.filled_at IS NOT NULL, u.evicted FROM (SELECT 1) AS one";
        Uni<RowSet<Row>> read = since == null
                ? pool.query(columns + " LEFT JOIN edge_user u ON true").execute()
                : pool.preparedQuery(columns + " LEFT JOIN edge_user u ON u.changed_at > $1")
                        .execute(Tuple.of(since.minus(READ_OVERLAP)));
        return read.invoke(rows -> {
            OffsetDateTime readAt = since;
            int users = 0;
            for (Row row : rows) {
                readAt = row.getOffsetDateTime(0);
                String user = row.getString(1);
                if (user == null) {
                    continue;
                }
                users++;
                if (!row.getBoolean(3)) {
                    held.add(user);
                    if (row.getBoolean(2)) {
                        filled.putIfAbsent(user, 0L);
                    }
                } else if (!filling.containsKey(user)) {
                    // (evicted by a replica; one arriving here again is un-evicted by its own arrival)
                    held.remove(user);
                    filled.remove(user);
                }
            }
            lastRead = readAt;
            lastReadUsers = users;
            loaded.complete(null);
        }).replaceWithVoid();
    }

    /** How many users the last {@link #refresh()} read. */
    int lastReadUsers() {
        return lastReadUsers;
    }

    /** Evicts the users idle longer than the configured days, a batch at a time; answers how many. */
    Uni<Integer> evictIdle() {
        return pool.preparedQuery("""
                UPDATE edge_user SET evicted = true, filled_at = NULL, changed_at = clock_timestamp()
                WHERE user_id IN (
                    SELECT user_id FROM edge_user WHERE NOT evicted AND last_seen < now() - make_interval(days => $1)
                    ORDER BY last_seen LIMIT $2)
                RETURNING user_id""")
                .execute(Tuple.of(config.edge().owners().idleDays(), EVICTION_BATCH))
                .call(() -> pool.preparedQuery(
                        "DELETE FROM edge_user WHERE evicted AND changed_at < now() - make_interval(hours => $1)")
                        .execute(Tuple.of((int) EVICTED_KEPT.toHours())))
                .chain(rows -> {
                    List<String> users = new ArrayList<>();
                    rows.forEach(row -> users.add(row.getString(0)));
                    if (users.isEmpty()) {
                        return Uni.createFrom().item(0);
                    }
                    users.forEach(user -> {
                        held.remove(user);
                        filled.remove(user);
                    });
                    return ownersTables().chain(tables -> records.evictOwners(tables, users))
                            .chain(() -> devices.forgetReplicasOfUsers(users))
                            .invoke(() -> Meters.counter(metrics, "edgesync.scope.evictions").increment(users.size()))
                            .replaceWith(users.size())
                            .chain(count -> count == EVICTION_BATCH
                                    ? evictIdle().map(more -> count + more)
                                    : Uni.createFrom().item(count));
                });
    }
}
