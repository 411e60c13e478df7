package io.edgesync.scope;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.edgesync.cache.ChangeStreamApplier;
import io.edgesync.cache.ChangeStreamApplier.ReplicatedChange;
import io.edgesync.cache.RecordStore;
import io.edgesync.cache.TableInfo;
import io.edgesync.common.Meters;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.config.Role;
import io.edgesync.conflict.ConflictPolicies;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Fills this edge's cache with the part of each table its scope holds, and takes out what it no longer holds, when the
 * scope is new: at the first start with it, and whenever its text changes (back to {@code all} included: every row of
 * central is applied again, the ones skipped meanwhile come back). Two steps, each resumable: <ol> <li><b>Sweep</b>:
 * the live rows this edge holds that do not match the scope become local tombstones (as a change leaving the scope
 * makes them; its devices pull them as deleted), page by page in id order.</li> <li><b>Backfill</b>: central's master
 * rows that match, page by page in master-position order, are applied like changes of the change stream whose position
 * is the row's. The stream's stale rule orders both: a change that arrives during the backfill is neither lost nor
 * overwritten by an older row, and a row applied twice is applied once. After each page the position is recorded
 * ({@code edge_scope}), so a backfill interrupted by a restart resumes there.</li> </ol> Pulls are answered meanwhile:
 * a row the backfill applies gets a new stamp, so an incremental pull finds it later. While central cannot be reached
 * the step is retried ({@code edgesync.edge.central.retry-seconds}), logged once.
 */
@ApplicationScoped
public class ScopeBackfill {

    private static final Logger LOG = Logger.getLogger(ScopeBackfill.class);
    private static final int SWEEP_PAGE = 500;
    private static final Duration FIRST_DELAY = Duration.ofSeconds(1);

    private final EdgeSyncConfig config;
    private final EdgeScopes scopes;
    private final ScopeStore store;
    private final ChangeStreamApplier applier;
    private final RecordStore records;
    private final CentralSource central;
    private final ConflictPolicies policies;
    private final MeterRegistry metrics;
    private final AtomicInteger running = new AtomicInteger();
    private final Set<String> failing = ConcurrentHashMap.newKeySet();
    private final Map<String, Uni<Void>> inFlight = new ConcurrentHashMap<>();

    public ScopeBackfill(EdgeSyncConfig config, EdgeScopes scopes, ScopeStore store, ChangeStreamApplier applier,
            RecordStore records, CentralSource central, ConflictPolicies policies, MeterRegistry metrics) {
        this.config = config;
        this.scopes = scopes;
        this.store = store;
        this.applier = applier;
        this.records = records;
        this.central = central;
        this.policies = policies;
        this.metrics = metrics;
    }

    /**
     * A moment after the start, fills every table whose scope is new: a filter (declared, or the default one for the
     * tables central has), or {@code all} again after a filter or {@code owners} (the rows skipped meanwhile come
     * back); a table whose scope is {@code owners} is recorded as such (its users' rows are fetched as they arrive).
     */
    void start(@Observes StartupEvent started) {
        if (!config.role().includes(Role.EDGE)) {
            return;
        }
        Gauge.builder("edgesync.scope.backfills.running", running, AtomicInteger::get)
                .description("Scope backfills (sweep and fill from central) running at this edge")
                .register(metrics);
        Uni.createFrom()
                .voidItem()
                .onItem()
                .delayIt()
                .by(FIRST_DELAY)
                .chain(this::newScopes)
                .subscribe()
                .with(tables -> {
                    if (!tables.isEmpty() && !central.configured()) {
                        LOG.errorf("Tables %s have a new edge-scope but are not filled from central:"
                                + " edgesync.edge.central.url is not set; they follow the change stream only",
                                tables.keySet());
                        return;
                    }
                    tables.forEach((table, scope) -> fill(table, scope, central).subscribe()
                            .with(done -> {
                            }, failure -> LOG.errorf(failure, "The scope of table %s was not filled", table)));
                }, failure -> LOG.warnf("The edge's scopes were not checked at start: %s", failure.getMessage()));
    }

    /** The tables to fill (or record) at start, by lookup key, with their scope now. */
    Uni<Map<String, EdgeScopes.Scope>> newScopes() {
        Map<String, EdgeScopes.Scope> tables = new TreeMap<>();
        scopes.declaredScopes().forEach((table, scope) -> {
            if (!(scope instanceof EdgeScopes.All)) {
                tables.put(table, scope);
            }
        });
        Uni<List<String>> central = scopes.defaultScope() instanceof EdgeScopes.All || !this.central.configured()
                ? Uni.createFrom().item(List.of())
                : this.central.tables();
        return Uni.combine().all().unis(store.all(), central).asTuple().map(found -> {
            for (String name : found.getItem2()) {
                String table = TableInfo.key(name);
                if (!scopes.declaredScopes().containsKey(table)) {
                    tables.put(table, scopes.defaultScope());
                }
            }
            for (ScopeStore.State state : found.getItem1()) {
                EdgeScopes.Scope now = scopes.of(state.table());
                if (now instanceof EdgeScopes.All && !state.scope().equals(now.text())) {
                    tables.put(state.table(), now);
                }
            }
            return tables;
        });
    }

    /**
     * Fills {@code table} for its scope from {@code source}, retrying until done; one run per table at a time (a second
     * call joins the first).
     */
    public Uni<Void> fill(String table, EdgeScopes.Scope scope, MasterRowsSource source) {
        return inFlight.computeIfAbsent(table, t -> attempt(table, scope, source)
                .onFailure()
                .invoke(failure -> {
                    if (failing.add(table)) {
                        LOG.warnf("Filling the scope of table %s (%s) from central failed, retrying every %d s: %s",
                                table, scope.text(), config.edge().central().retrySeconds(), failure.getMessage());
                    }
                })
                .onFailure()
                .retry()
                .withBackOff(Duration.ofSeconds(config.edge().central().retrySeconds()),
                        Duration.ofSeconds(config.edge().central().retrySeconds()))
                .indefinitely()
                .invoke(() -> {
                    if (failing.remove(table)) {
                        LOG.infof("The scope of table %s is filled again from central", table);
                    }
                })
                .eventually(() -> {
                    inFlight.remove(table);
                })
                .memoize()
                .indefinitely());
    }

    /**
     * One attempt from where the recorded state stands: for a filter the sweep, then central's matching rows; for
     * {@code all} every row of central; for {@code owners} the sweep of other users' rows (each user's rows come when
     * they arrive).
     */
    Uni<Void> attempt(String table, EdgeScopes.Scope scope, MasterRowsSource source) {
        return store.begin(table, scope.text()).chain(state -> {
            if (state.swept() && state.backfillDone()) {
                return Uni.createFrom().voidItem();
            }
            if (scope instanceof EdgeScopes.Owners) {
                // (a table that held more before: the rows of users who never came here go; theirs come when they do)
                Uni<Void> swept = state.swept()
                        ? Uni.createFrom().voidItem()
                        : records.evictOwnersNotHeld(TableInfo.key(table));
                return swept.chain(() -> store.swept(table, scope.text())).chain(() -> store.done(table, scope.text()));
            }
            running.incrementAndGet();
            Instant started = Instant.now();
            Uni<Void> swept = state.swept() || !(scope instanceof EdgeScopes.Filter filter)
                    ? Uni.createFrom().voidItem()
                    : sweep(table, filter, "");
            MasterRowsSource.Query query = scope instanceof EdgeScopes.Filter filter
                    ? MasterRowsSource.Query.matching(filter.text())
                    : MasterRowsSource.Query.everything();
            return swept.chain(() -> store.swept(table, scope.text()))
                    .chain(() -> fetch(table, query, source, state.backfillAfter(),
                            (last, rows) -> store.advanced(table, scope.text(), last, rows)))
                    .chain(() -> store.done(table, scope.text()))
                    .invoke(() -> Meters.timer(metrics, "edgesync.scope.backfill.duration", "table", table)
                            .record(Duration.between(started, Instant.now())))
                    .eventually(() -> {
                        running.decrementAndGet();
                    });
        });
    }

    /** Takes out, page by page, the live rows after {@code afterId} that do not match the scope. */
    private Uni<Void> sweep(String table, EdgeScopes.Filter scope, String afterId) {
        return pageByPage(afterId, after -> records.liveRows(TableInfo.key(table), after, SWEEP_PAGE).chain(page -> {
            if (page.isEmpty()) {
                return Uni.createFrom().item(Optional.<String>empty());
            }
            List<ReplicatedChange> leaving = new ArrayList<>();
            for (RecordStore.HeldRow held : page) {
                if (!scope.matches(held.record().id(), held.record().data())) {
                    leaving.add(new ReplicatedChange(table, held.record().id(), held.record().data(),
                            held.record().version(), false, held.masterSeq(), held.record().owner(),
                            Optional.of(held.record().createdAt()), held.record().clientUpdatedAt(), false)
                            .outOfScope());
                }
            }
            Optional<String> next = page.size() < SWEEP_PAGE
                    ? Optional.empty()
                    : Optional.of(page.get(page.size() - 1).record().id());
            if (leaving.isEmpty()) {
                return Uni.createFrom().item(next);
            }
            return applier.applyReplicatedChanges(leaving)
                    .invoke(outcomes -> Meters.counter(metrics, "edgesync.scope.swept", "table", table)
                            .increment((double) outcomes.stream()
                                    .filter(o -> o == ChangeStreamApplier.ReplicationOutcome.LEFT)
                                    .count()))
                    .replaceWith(next);
        }));
    }

    /**
     * Applies central's rows of {@code query} after master position {@code after}, page by page, each as changes of the
     * change stream at the row's position, calling {@code pageDone} with the page's last position and size after each.
     */
    Uni<Void> fetch(String table, MasterRowsSource.Query query, MasterRowsSource source, long after,
            BiFunction<Long, Integer, Uni<Void>> pageDone) {
        int limit = config.edge().central().pageSize();
        return pageByPage(after, position -> source.page(table, position, limit, query).chain(page -> {
            List<ReplicatedChange> changes = page.rows()
                    .stream()
                    .map(row -> new ReplicatedChange(table, row.id(), row.data(), row.version(), row.deleted(),
                            row.position(), row.owner(), Optional.of(row.createdAt()), Optional.of(row.updatedAt()),
                            policies.keepsVersions(table)))
                    .toList();
            if (changes.isEmpty()) {
                return Uni.createFrom().item(Optional.<Long>empty());
            }
            long last = page.rows().get(page.rows().size() - 1).position();
            Optional<Long> next = page.next().isEmpty() ? Optional.empty() : Optional.of(last);
            return applier.applyReplicatedChanges(changes)
                    .chain(outcomes -> pageDone.apply(last, changes.size()))
                    .invoke(() -> Meters.counter(metrics, "edgesync.scope.backfill.rows", "table", table)
                            .increment(changes.size()))
                    .replaceWith(next);
        }));
    }

    /**
     * Runs {@code page} from {@code first}, then from each cursor it answers, until it answers none. Each page is a
     * separate subscription that is let go when it is done: a page that chained the next one inside itself would keep
     * every page (and its rows) reachable until the last one ended, which runs a million-row backfill out of memory.
     */
    private static <C> Uni<Void> pageByPage(C first, Function<C, Uni<Optional<C>>> page) {
        AtomicReference<C> cursor = new AtomicReference<>(first);
        return Multi.createBy()
                .repeating()
                .uni(() -> Uni.createFrom()
                        .deferred(() -> page.apply(cursor.get()).invoke(next -> next.ifPresent(cursor::set))))
                .until(Optional::isEmpty)
                .collect()
                .last()
                .replaceWithVoid();
    }
}
