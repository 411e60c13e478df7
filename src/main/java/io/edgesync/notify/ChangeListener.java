package io.edgesync.notify;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.edgesync.cache.VisibilityHorizon;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.config.Role;
import io.edgesync.embedded.DatabaseUrls;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import io.vertx.mutiny.core.Context;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgConnectOptions;

/**
 * Announces the changes of sync tables, coalesced per table, to the change streams of this process, once they are
 * visible to pulls.
 *
 * <p> Announcements come from the {@link VisibilityHorizon}: when a table's horizon moves, the changes below it are
 * committed and pullable, so a device that pulls on an announcement finds the change (nothing is announced from inside
 * a write transaction). On a per-user table each owner whose rows changed is announced to that owner's streams only.
 *
 * <p> Replicas of an edge that share one database tell each other with one {@code NOTIFY} on
 * {@value VisibilityHorizon#CHANNEL} per advance that covers their own writes, outside any write transaction; the
 * others then read their clocks at once instead of at their next idle poll. The listener holds its own connection
 * outside the pool, since a pooled connection listens only while it is borrowed. When that connection drops,
 * {@link PgSubscriber} reconnects with a capped exponential backoff and listens again, and every known table is
 * announced once (devices pull whatever they may have missed). A periodic probe closes a connection that no longer
 * answers (a half-open socket never reports its loss), which starts the same reconnect.
 */
@ApplicationScoped
public class ChangeListener {

    /** The channel replicas wake each other on; the payload is {@code <table>|<instance id>}. */
    public static final String CHANNEL = VisibilityHorizon.CHANNEL;

    /** The owners of a table's changes with stamps in {@code ($2, $3]} (who an advance concerns). */
    public static final String OWNERS_OF_CHANGES = """
            SELECT DISTINCT owner_id FROM sync_record
            WHERE table_name = $1 AND updated_at > es_stamp_time($2) AND updated_at <= es_stamp_time($3)""";

    private static final String SELECT_TABLE_NAMES = "SELECT name FROM sync_table";
    private static final long FIRST_RETRY_MILLIS = 100;
    private static final long MAX_RETRY_MILLIS = 5_000;
    private static final long PROBE_INTERVAL_MILLIS = 30_000;
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    /** Announcements buffered per stream whose client reads too slowly; beyond that the stream fails and closes. */
    private static final int BUFFER_PER_SUBSCRIBER = 1024;

    private final Vertx vertx;
    private final Pool pool;
    private final VisibilityHorizon horizon;
    /** Tells this process's own notifications apart from those of other replicas. */
    private final String instanceId = UUID.randomUUID().toString();
    private final AtomicInteger subscribers = new AtomicInteger();
    private final EdgeSyncConfig config;
    private final MeterRegistry metrics;
    private final Optional<String> databaseUrl;
    private final Optional<String> databaseUser;
    private final Optional<String> databasePassword;

    private final BroadcastProcessor<TableChange> announcements = BroadcastProcessor.create();
    private final AtomicBoolean listening = new AtomicBoolean();
    private volatile boolean stopped;

    // Used on the listener's Vert.x context once started.
    private Context context;
    private ChangeCoalescer coalescer;
    private PgSubscriber subscriber;
    private volatile boolean connectionLost;
    private long probeTimer = -1;
    private Counter reconnects;

    public ChangeListener(Vertx vertx, Pool pool, VisibilityHorizon horizon, EdgeSyncConfig config,
            MeterRegistry metrics,
            @ConfigProperty(name = "quarkus.datasource.reactive.url") Optional<String> databaseUrl,
            @ConfigProperty(name = "quarkus.datasource.username") Optional<String> databaseUser,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> databasePassword) {
        this.vertx = vertx;
        this.pool = pool;
        this.horizon = horizon;
        this.config = config;
        this.metrics = metrics;
        this.databaseUrl = databaseUrl;
        this.databaseUser = databaseUser;
        this.databasePassword = databasePassword;
    }

    /**
     * Announcements of table changes from now on: at most one per table per coalescing window. Hot: a subscriber sees
     * only what is announced after it subscribed. Completes when the application stops.
     */
    public Multi<TableChange> changes() {
        return announcements
                .onOverflow()
                .buffer(BUFFER_PER_SUBSCRIBER)
                .onSubscription()
                .invoke(subscribers::incrementAndGet)
                .onTermination()
                .invoke(subscribers::decrementAndGet);
    }

    void startListening(@Observes StartupEvent event) {
        if (!config.role().includes(Role.EDGE)) {
            return;
        }
        if (databaseUrl.isEmpty()) {
            Log.errorf("No quarkus.datasource.reactive.url: devices get no change notifications");
            return;
        }
        PgConnectOptions options = connectOptions(databaseUrl.get(), databaseUser, databasePassword);
        Gauge.builder("edgesync.notify.listener.connected", listening, state -> state.get() ? 1 : 0)
                .description("1 while the gateway listens for table changes, 0 while it reconnects")
                .register(metrics);
        reconnects = Counter.builder("edgesync.notify.listener.reconnects")
                .description("Times the change listener listened again after losing its connection")
                .register(metrics);
        context = vertx.getOrCreateContext();
        coalescer = new ChangeCoalescer(() -> window(subscribers.get(), config.notifications().coalesceMillis(),
                config.notifications().deliveriesPerSecond()), this::schedule, this::announce);
        context.runOnContext(() -> {
            connect(options, 0);
            probeTimer = vertx.setPeriodic(PROBE_INTERVAL_MILLIS, id -> probeConnection());
        });
        horizon.advances()
                .subscribe()
                .with(advance -> context.runOnContext(() -> advanced(advance)),
                        failure -> Log.warnf("Stopped announcing changes: %s", failure.getMessage()));
    }

    void stopListening(@Observes ShutdownEvent event) {
        stopped = true;
        if (context == null) {
            announcements.onComplete();
            return;
        }
        context.runOnContext(() -> {
            vertx.cancelTimer(probeTimer);
            if (subscriber != null) {
                subscriber.closeAndForget();
            }
            listening.set(false);
            announcements.onComplete();
        });
    }

    /** The listener's connection: the reactive datasource's URL and credentials, on a connection of its own. */
    static PgConnectOptions connectOptions(String url, Optional<String> user, Optional<String> password) {
        // Quarkus accepts a comma-separated list of URLs and an optional vertx-reactive: prefix.
        String first = url.split(",", -1)[0].strip();
        if (first.startsWith("vertx-reactive:")) {
            first = first.substring("vertx-reactive:".length());
        }
        PgConnectOptions options;
        try {
            options = PgConnectOptions.fromUri(first);
        } catch (RuntimeException e) {
            throw new IllegalStateException("Invalid quarkus.datasource.reactive.url: " + DatabaseUrls.redact(first));
        }
        user.ifPresent(options::setUser);
        password.ifPresent(options::setPassword);
        options.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
        options.setTcpKeepAlive(true);
        options.addProperty("application_name", "edgesync-change-listener");
        return options;
    }

    /** Delay before reconnect attempt {@code retries} (0 for the first): 100 ms doubling up to 5 s. */
    static long retryDelayMillis(int retries) {
        return Math.min(MAX_RETRY_MILLIS, FIRST_RETRY_MILLIS << Math.min(retries, 16));
    }

    /**
     * Connects a new subscriber. Once connected, the subscriber reconnects by itself; a failed first connection does
     * not, so it is replaced by a new one after a delay.
     */
    private void connect(PgConnectOptions options, int attempt) {
        if (stopped) {
            return;
        }
        PgSubscriber candidate = PgSubscriber.subscriber(vertx, options)
                .reconnectPolicy(this::reconnectDelay);
        candidate.channel(CHANNEL)
                .subscribeHandler(this::listeningStarted)
                .handler(this::notificationReceived);
        subscriber = candidate;
        candidate.connect()
                .subscribe()
                .with(connected -> {
                }, failure -> {
                    long delay = retryDelayMillis(attempt);
                    Log.warnf("Cannot listen for table changes yet (%s); retrying in %d ms", failure.getMessage(),
                            delay);
                    connectionLost = true;
                    candidate.closeAndForget();
                    vertx.setTimer(delay, id -> context.runOnContext(() -> connect(options, attempt + 1)));
                });
    }

    /** The subscriber's reconnect policy; its first call for a lost connection is where the loss shows. */
    private Long reconnectDelay(Integer retries) {
        if (retries == 0) {
            listening.set(false);
            connectionLost = true;
            Log.warnf("Lost the connection listening on %s; reconnecting", CHANNEL);
        }
        return retryDelayMillis(retries);
    }

    /** LISTEN succeeded, first or after a reconnect. */
    private void listeningStarted() {
        listening.set(true);
        if (!connectionLost) {
            Log.infof("Listening for table changes on %s (coalescing window up to %d ms, %d announcements/s)",
                    CHANNEL, config.notifications().coalesceMillis(), config.notifications().deliveriesPerSecond());
            return;
        }
        connectionLost = false;
        reconnects.increment();
        horizon.requestRound();
        Log.infof("Listening for table changes on %s again after a lost connection; announcing every table once",
                CHANNEL);
        announceAllTables();
    }

    /** Another replica's changes became visible there: read the clocks here too (the payload is table|instance). */
    private void notificationReceived(String payload) {
        if (payload != null && payload.endsWith("|" + instanceId)) {
            return;
        }
        horizon.requestRound();
    }

    /**
     * Changes became visible: tell the other replicas when this process made some of them, and announce them to the
     * streams of this process (per owner on per-user tables).
     */
    private void advanced(VisibilityHorizon.Advance advance) {
        if (advance.local()) {
            pool.preparedQuery("SELECT pg_notify($1, $2)")
                    .execute(Tuple.of(CHANNEL, advance.table() + "|" + instanceId))
                    .subscribe()
                    .with(done -> {
                    }, failure -> Log.debugf("Could not notify other replicas: %s", failure.getMessage()));
        }
        if (subscribers.get() == 0) {
            return;
        }
        pool.preparedQuery(OWNERS_OF_CHANGES)
                .execute(Tuple.of(advance.table(), advance.from(), advance.to()))
                .subscribe()
                .with(rows -> context.runOnContext(() -> {
                    for (Row row : rows) {
                        String owner = row.getString(0);
                        coalescer.recordChange(advance.table() + "|" + (owner == null ? "" : owner));
                    }
                }), failure -> Log.debugf("Could not read who changed rows of %s: %s", advance.table(),
                        failure.getMessage()));
    }

    /** Changes committed while nobody listened went unannounced: announce every table, so devices pull. */
    private void announceAllTables() {
        pool.query(SELECT_TABLE_NAMES)
                .execute()
                .onFailure()
                .retry()
                .withBackOff(Duration.ofMillis(200), Duration.ofSeconds(2))
                .atMost(10)
                .map(rows -> {
                    List<String> names = new ArrayList<>();
                    for (Row row : rows) {
                        names.add(row.getString("name"));
                    }
                    return names;
                })
                .subscribe()
                .with(names -> context.runOnContext(() -> names.forEach(coalescer::recordChange)),
                        failure -> Log.warnf("Could not list the tables to announce after a reconnect: %s",
                                failure.getMessage()));
    }

    /**
     * The coalescing window, in milliseconds, for {@code streams} open streams: as long as announcing to all of them at
     * {@code deliveriesPerSecond} takes, at most {@code longest} (always {@code longest} when the rate is 0). A device
     * alone on its gateway learns of a change at once; ten thousand streams are announced to at most once per longest
     * window, as many pulls as they can start.
     */
    static long window(int streams, int longest, int deliveriesPerSecond) {
        if (deliveriesPerSecond <= 0) {
            return longest;
        }
        long needed = (streams * 1000L + deliveriesPerSecond - 1) / deliveriesPerSecond;
        return Math.min(longest, needed);
    }

    /** Announces a coalesced key: {@code table|owner}, or a bare table name (after a reconnect). */
    private void announce(String key) {
        int separator = key.indexOf('|');
        String table = separator < 0 ? key : key.substring(0, separator);
        Optional<String> owner = separator < 0
                ? Optional.empty()
                : Optional.of(key.substring(separator + 1)).filter(o -> !o.isEmpty());
        announcements.onNext(new TableChange(table, Instant.now().truncatedTo(ChronoUnit.MILLIS), owner));
    }

    private void schedule(long delayMillis, Runnable task) {
        // Called on the listener's context, so the timer fires there too.
        vertx.setTimer(delayMillis, id -> task.run());
    }

    /** A connection whose socket silently died never reports it; one that does not answer is closed to reconnect. */
    private void probeConnection() {
        PgConnection connection = subscriber == null ? null : subscriber.actualConnection();
        if (connection == null) {
            return;
        }
        connection.query("SELECT 1")
                .execute()
                .ifNoItem()
                .after(PROBE_TIMEOUT)
                .fail()
                .subscribe()
                .with(rows -> {
                }, failure -> {
                    Log.warnf("The connection listening on %s did not answer a probe; closing it to reconnect",
                            CHANNEL);
                    connection.closeAndForget();
                });
    }
}
