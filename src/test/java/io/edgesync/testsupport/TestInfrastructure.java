package io.edgesync.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.edgesync.embedded.EmbeddedKafkaBroker;
import io.edgesync.embedded.EmbeddedPostgresServer;

/**
 * The real PostgreSQL and Kafka of a test run, started once per JVM in a fresh temporary directory and stopped when the
 * JVM exits. Their addresses are kept in system properties, so every Quarkus application of the run (each test profile
 * has its own class loader) finds the same servers.
 */
public final class TestInfrastructure {

    private static final String PG_PORT = "io.edgesync.test.postgres.port";
    private static final String KAFKA_BOOTSTRAP = "io.edgesync.test.kafka.bootstrap";
    private static final String KEYS = "io.edgesync.test.keys";
    private static final Pattern DATABASE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private TestInfrastructure() {
    }

    /** Starts the servers unless this JVM already has them. */
    public static synchronized void ensureStarted() {
        if (System.getProperty(PG_PORT) != null) {
            return;
        }
        try {
            Path root = Files.createTempDirectory("edgesync-test-");
            // pg_stat_statements lets tests count the statements a request costs.
            EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(root.resolve("postgres"), 0,
                    Map.of("shared_preload_libraries", "pg_stat_statements"));
            EmbeddedKafkaBroker kafka;
            try {
                kafka = EmbeddedKafkaBroker.start(root.resolve("kafka"), 0, Map.of());
            } catch (IOException | RuntimeException e) {
                postgres.close();
                throw e;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                kafka.close();
                postgres.close();
                deleteQuietly(root);
            }, "edgesync-test-infrastructure-shutdown"));
            System.setProperty(PG_PORT, Integer.toString(postgres.port()));
            System.setProperty(KAFKA_BOOTSTRAP, kafka.bootstrapServers());
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the test PostgreSQL and Kafka", e);
        }
    }

    /** A directory for the test run's token key pair (kept for the whole run). */
    public static synchronized Path keyDirectory() {
        String existing = System.getProperty(KEYS);
        if (existing != null) {
            return Path.of(existing);
        }
        try {
            Path directory = Files.createTempDirectory("edgesync-test-keys-");
            System.setProperty(KEYS, directory.toString());
            return directory;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int postgresPort() {
        ensureStarted();
        return Integer.parseInt(System.getProperty(PG_PORT));
    }

    public static String kafkaBootstrapServers() {
        ensureStarted();
        return System.getProperty(KAFKA_BOOTSTRAP);
    }

    /** Creates a database on the test server unless it exists. */
    public static void createDatabase(String name) {
        if (!DATABASE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(name);
        }
        try (Connection connection = connect("postgres");
                PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            exists.setString(1, name);
            try (ResultSet rows = exists.executeQuery()) {
                if (rows.next()) {
                    return;
                }
            }
            try (Statement create = connection.createStatement()) {
                create.execute("CREATE DATABASE " + name);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A direct JDBC connection to a database of the test server, bypassing any proxy. */
    public static Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), EmbeddedPostgresServer.USER, "");
    }

    /** The first column of the first row of a query over a database of the test server; null without rows. */
    public static String queryString(String database, String sql, String... params) throws SQLException {
        try (Connection connection = connect(database);
                PreparedStatement query = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                query.setString(i + 1, params[i]);
            }
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }

    public static String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + postgresPort() + "/" + database;
    }

    private static void deleteQuietly(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: the directory is in the temp dir
        }
    }
}
