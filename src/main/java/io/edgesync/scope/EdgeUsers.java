package io.edgesync.scope;

import java.time.Duration;
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
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The users whose rows this edge holds in tables whose scope is {@code owners} ({@code edge_user}): a user arrives with
 * their first pull or write here; their rows are then fetched from central (the first pull waits for that a bounded
 * time, {@code edgesync.edge.owners.backfill-wait-seconds}, then answers 503 with {@code Retry-After}; writes never
 * wait), and from then on the change stream's changes of their rows are applied here, those of other users skipped
 * without reading the cache. A user idle longer than {@code edgesync.edge.owners.idle-days} is evicted: their rows and
 * their devices' replicas go from this edge only, and come back by the same fetch when they return.
 *
 * <p> Replicas of one edge share the table: each reads it every {@code refresh-seconds}, and a user's rows are fetched
 * a second time after twice that, for the changes a replica skipped before it knew the user (positions come from one
 * sequence, so the second fetch finds each such row at its newest state).
 */
@ApplicationScoped
public class EdgeUsers {

    private static final Logger LOG = Logger.getLogger(EdgeUsers.class);
    /** A user seen within this time is not written as seen again. */
    private static final Duration SEEN_PRECISION = Duration.ofMinutes(10);
    private static final int EVICTION_BATCH = 100;

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
        refresh().chain(() -> pool.query("SELECT user_id FROM edge_user WHERE filled_at IS NULL").execute())
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
     * process already holds); answers whether their rows were fetched already (another replica, an earlier start).
     */
    private Uni<Boolean> arrive(String user) {
        return pool.preparedQuery("""
                INSERT INTO edge_user AS u (user_id) VALUES ($1)
                ON CONFLICT (user_id) DO UPDATE SET last_seen = now()
                RETURNING u.filled_at IS NOT NULL""")
                .execute(Tuple.of(user))
                .map(rows -> {
                    held.add(user);
                    return rows.iterator().next().getBoolean(0);
                });
    }

    private Uni<Void> markFilled(String user) {
        return pool.preparedQuery("UPDATE edge_user SET filled_at = now() WHERE user_id = $1")
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

    /** Reads the users of the table (other replicas' arrivals and evictions), keeping this process's own arrivals. */
    Uni<Void> refresh() {
        return pool.query("SELECT user_id, filled_at IS NOT NULL FROM edge_user").execute().invoke(rows -> {
            Set<String> users = ConcurrentHashMap.newKeySet();
            for (Row row : rows) {
                users.add(row.getString(0));
                if (row.getBoolean(1)) {
                    filled.putIfAbsent(row.getString(0), 0L);
                }
            }
            users.addAll(filling.keySet());
            held.retainAll(users);
            held.addAll(users);
            filled.keySet().retainAll(users);
            loaded.complete(null);
        }).replaceWithVoid();
    }

    /** Evicts the users idle longer than the configured days, a batch at a time; answers how many. */
    Uni<Integer> evictIdle() {
        return pool.preparedQuery("""
                DELETE FROM edge_user WHERE user_id IN (
                    SELECT user_id FROM edge_user WHERE last_seen < now() - make_interval(days => $1)
                    ORDER BY last_seen LIMIT $2)
                RETURNING user_id""")
                .execute(Tuple.of(config.edge().owners().idleDays(), EVICTION_BATCH))
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
