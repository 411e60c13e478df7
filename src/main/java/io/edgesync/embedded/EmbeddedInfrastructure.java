package io.edgesync.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.quarkus.runtime.Application;

/**
 * The local default: when no external PostgreSQL or Kafka is configured, starts a real embedded one on loopback before
 * Quarkus boots and hands its address to Quarkus as system properties. External endpoints always win, each on its own.
 */
public final class EmbeddedInfrastructure {

    public static final String REACTIVE_URL = "quarkus.datasource.reactive.url";
    public static final String JDBC_URL = "quarkus.datasource.jdbc.url";
    public static final String DB_USERNAME = "quarkus.datasource.username";
    public static final String KAFKA_BOOTSTRAP = "kafka.bootstrap.servers";

    public static final String EMBEDDED_ENABLED = "edgesync.embedded.enabled";
    public static final String DATA_DIR = "edgesync.embedded.data-dir";
    public static final String POSTGRES_PORT = "edgesync.embedded.postgres.port";
    public static final String POSTGRES_DATABASE = "edgesync.embedded.postgres.database";
    public static final String POSTGRES_STATEMENT_STATISTICS = "edgesync.embedded.postgres.statement-statistics";
    public static final String KAFKA_PORT = "edgesync.embedded.kafka.port";

    /**
     * System properties (outside the {@code edgesync.} configuration namespace) that describe, for the start-up banner,
     * which endpoints this JVM uses. They also keep a dev-mode restart from starting the servers twice.
     */
    public static final String DATABASE_DESCRIPTION = "io.edgesync.runtime.database";
    public static final String KAFKA_DESCRIPTION = "io.edgesync.runtime.kafka";

    /** The configuration profile added when embedded servers run (the local default). */
    public static final String LOCAL_PROFILE = "local";

    private static final Logger LOG = Logger.getLogger(EmbeddedInfrastructure.class);

    /** How long the servers wait for the application to stop before they stop anyway. */
    private static final Duration APPLICATION_STOP = Duration.ofSeconds(20);

    private EmbeddedInfrastructure() {
    }

    /** What {@link #startIfNeeded(BootConfig)} decided and started. */
    public record Started(Optional<EmbeddedPostgresServer> postgres, Optional<EmbeddedKafkaBroker> kafka,
            Map<String, String> properties) {
    }

    /**
     * Starts whatever is not configured externally, sets the resulting endpoints as system properties and registers a
     * shutdown hook that stops the servers after the application.
     */
    public static synchronized Started startIfNeeded(BootConfig config) {
        if (System.getProperty(DATABASE_DESCRIPTION) != null) {
            // Already decided in this JVM (dev-mode restart): the servers are running, the properties are set.
            return new Started(Optional.empty(), Optional.empty(), Map.of());
        }
        Started started = start(config);
        started.properties().forEach(System::setProperty);
        if (started.postgres().isPresent() || started.kafka().isPresent()) {
            // The local default's settings (table auto-create, the sample table) live in the "local" profile.
            System.setProperty("quarkus.profile", withLocalProfile(config.profile()));
            Thread hook = new Thread(() -> stopAfterApplication(started), "edgesync-embedded-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
        }
        return started;
    }

    /**
     * Decides and starts without touching system properties: the returned properties are what Quarkus needs to know.
     */
    public static Started start(BootConfig config) {
        Map<String, String> properties = new LinkedHashMap<>();
        boolean embeddedEnabled = config.booleanValue(EMBEDDED_ENABLED, true);
        Path dataDir = Path.of(config.value(DATA_DIR, "data")).toAbsolutePath().normalize();

        Optional<EmbeddedPostgresServer> postgres = Optional.empty();
        Optional<String> reactiveUrl = config.value(REACTIVE_URL);
        Optional<String> jdbcUrl = config.value(JDBC_URL);
        if (reactiveUrl.isPresent() || jdbcUrl.isPresent()) {
            // External database: derive whichever URL is missing so one setting is enough.
            String reactive = reactiveUrl.orElseGet(() -> DatabaseUrls.reactiveFromJdbc(jdbcUrl.get()));
            String jdbc = jdbcUrl.orElseGet(() -> DatabaseUrls.jdbcFromReactive(reactiveUrl.get()));
            properties.put(REACTIVE_URL, reactive);
            properties.put(JDBC_URL, jdbc);
            properties.put(DATABASE_DESCRIPTION, "external " + DatabaseUrls.redact(reactive));
        } else if (embeddedEnabled) {
            String database = config.value(POSTGRES_DATABASE, "edgesync");
            Map<String, String> settings = config.booleanValue(POSTGRES_STATEMENT_STATISTICS, false)
                    ? Map.of("shared_preload_libraries", "pg_stat_statements")
                    : Map.of();
            EmbeddedPostgresServer server = startPostgres(dataDir.resolve("postgres"),
                    config.intValue(POSTGRES_PORT, 5432), settings);
            server.createDatabaseIfMissing(database);
            postgres = Optional.of(server);
            properties.put(REACTIVE_URL, server.reactiveUrl(database));
            properties.put(JDBC_URL, server.jdbcUrl(database));
            properties.put(DB_USERNAME, EmbeddedPostgresServer.USER);
            properties.put(DATABASE_DESCRIPTION, "embedded PostgreSQL at 127.0.0.1:" + server.port() + "/" + database
                    + " (data " + server.dataDirectory() + ")");
        } else {
            throw new IllegalStateException("No database configured: set " + REACTIVE_URL
                    + " (QUARKUS_DATASOURCE_REACTIVE_URL) or enable " + EMBEDDED_ENABLED);
        }

        Optional<EmbeddedKafkaBroker> kafka = Optional.empty();
        Optional<String> bootstrap = config.value(KAFKA_BOOTSTRAP);
        if (bootstrap.isPresent()) {
            properties.put(KAFKA_DESCRIPTION, "external Kafka at " + bootstrap.get());
        } else if (embeddedEnabled) {
            EmbeddedKafkaBroker broker;
            try {
                broker = startKafka(dataDir.resolve("kafka"), config.intValue(KAFKA_PORT, 9092));
            } catch (RuntimeException e) {
                postgres.ifPresent(EmbeddedInfrastructure::closeQuietly);
                throw e;
            }
            kafka = Optional.of(broker);
            properties.put(KAFKA_BOOTSTRAP, broker.bootstrapServers());
            properties.put(KAFKA_DESCRIPTION, "embedded Kafka (KRaft) at " + broker.bootstrapServers() + " (data "
                    + broker.logDirectory() + ")");
        } else {
            postgres.ifPresent(EmbeddedInfrastructure::closeQuietly);
            throw new IllegalStateException("No Kafka configured: set " + KAFKA_BOOTSTRAP
                    + " (KAFKA_BOOTSTRAP_SERVERS) or enable " + EMBEDDED_ENABLED);
        }
        return new Started(postgres, kafka, properties);
    }

    private static EmbeddedPostgresServer startPostgres(Path directory, int port, Map<String, String> settings) {
        try {
            long begin = System.nanoTime();
            EmbeddedPostgresServer server = EmbeddedPostgresServer.start(directory, port, settings);
            LOG.infof("Embedded PostgreSQL started on 127.0.0.1:%d in %d ms", server.port(), millisSince(begin));
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the embedded PostgreSQL in " + directory
                    + "; configure an external database with " + REACTIVE_URL, e);
        }
    }

    private static EmbeddedKafkaBroker startKafka(Path directory, int port) {
        try {
            long begin = System.nanoTime();
            EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(directory, port, Map.of());
            LOG.infof("Embedded Kafka broker started on %s in %d ms", broker.bootstrapServers(), millisSince(begin));
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the embedded Kafka broker in " + directory
                    + "; configure an external broker with " + KAFKA_BOOTSTRAP, e);
        }
    }

    /**
     * Lets the application stop first (it still flushes to Kafka and PostgreSQL, and its Kafka consumers leave their
     * groups), then stops the servers. "Stopped" is the application's final state, not the end of its start: a broker
     * going away while consumers still leave makes them log errors at every clean stop.
     */
    private static void stopAfterApplication(Started started) {
        Application application = Application.currentApplication();
        if (application != null) {
            Thread waiter = new Thread(() -> {
                try {
                    application.awaitShutdown();
                } catch (IllegalStateException e) {
                    // interrupted: stop the servers now
                }
            }, "edgesync-await-application-stop");
            waiter.setDaemon(true);
            waiter.start();
            try {
                waiter.join(APPLICATION_STOP.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        stop(started);
    }

    /** The active profiles plus {@code local}: {@code prod} becomes {@code prod,local}. */
    static String withLocalProfile(String profiles) {
        for (String profile : profiles.split(",", -1)) {
            if (profile.trim().equals(LOCAL_PROFILE)) {
                return profiles;
            }
        }
        return profiles + "," + LOCAL_PROFILE;
    }

    /** Stops the servers a {@link #start(BootConfig)} returned; for callers that own them (tests). */
    public static void stop(Started started) {
        started.kafka().ifPresent(EmbeddedInfrastructure::closeQuietly);
        started.postgres().ifPresent(EmbeddedInfrastructure::closeQuietly);
    }

    private static void closeQuietly(AutoCloseable server) {
        try {
            server.close();
        } catch (Exception e) {
            LOG.warnf("Stopping %s failed: %s", server.getClass().getSimpleName(), e.getMessage());
        }
    }

    private static long millisSince(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos).toMillis();
    }
}
