package io.edgesync.embedded;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgesync.testsupport.TestInfrastructure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmbeddedInfrastructureTest {

    @TempDir
    Path dataDir;

    @Test
    void externalDatabaseAndKafkaStartNoEmbeddedServer() {
        // Given both endpoints configured externally
        BootConfig config = BootConfig.of(Map.of(
                "quarkus.datasource.reactive.url", "postgresql://db.example:5432/edgesync",
                "kafka.bootstrap.servers", "kafka.example:9092",
                "edgesync.embedded.data-dir", dataDir.toString()));

        // When the local default decides
        EmbeddedInfrastructure.Started started = EmbeddedInfrastructure.start(config);

        // Then nothing is started, the external values win and the missing JDBC URL is derived
        assertThat(started.postgres()).isEmpty();
        assertThat(started.kafka()).isEmpty();
        assertThat(started.properties())
                .containsEntry("quarkus.datasource.reactive.url", "postgresql://db.example:5432/edgesync")
                .containsEntry("quarkus.datasource.jdbc.url", "jdbc:postgresql://db.example:5432/edgesync")
                .doesNotContainKey("kafka.bootstrap.servers");
        assertThat(started.properties().get(EmbeddedInfrastructure.DATABASE_DESCRIPTION)).startsWith("external");
        assertThat(started.properties().get(EmbeddedInfrastructure.KAFKA_DESCRIPTION)).startsWith("external");
        assertThat(dataDir).isEmptyDirectory();
    }

    @Test
    void externalKafkaWithoutDatabaseUrlStartsOnlyTheEmbeddedPostgres() throws Exception {
        // Given only Kafka configured externally
        BootConfig config = BootConfig.of(Map.of(
                "kafka.bootstrap.servers", TestInfrastructure.kafkaBootstrapServers(),
                "edgesync.embedded.data-dir", dataDir.toString(),
                "edgesync.embedded.postgres.port", "0"));

        // When the local default decides
        EmbeddedInfrastructure.Started started = EmbeddedInfrastructure.start(config);
        try {
            // Then a real PostgreSQL runs, no broker was started, and the database URLs point at it
            assertThat(started.kafka()).isEmpty();
            assertThat(started.postgres()).isPresent();
            assertThat(Files.exists(dataDir.resolve("postgres").resolve("PG_VERSION"))).isTrue();
            assertThat(Files.exists(dataDir.resolve("kafka"))).isFalse();
            int port = started.postgres().get().port();
            assertThat(started.properties())
                    .containsEntry("quarkus.datasource.jdbc.url", "jdbc:postgresql://127.0.0.1:" + port + "/edgesync");
            try (var connection = java.sql.DriverManager.getConnection(
                    started.properties().get("quarkus.datasource.jdbc.url"), "postgres", "");
                    var statement = connection.createStatement();
                    var rows = statement.executeQuery("SELECT current_database()")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(1)).isEqualTo("edgesync");
            }
        } finally {
            EmbeddedInfrastructure.stop(started);
        }
    }

    @Test
    void statementStatisticsLoadPgStatStatementsIntoTheEmbeddedPostgres() throws Exception {
        // Given an embedded PostgreSQL asked to keep statement statistics
        BootConfig config = BootConfig.of(Map.of(
                "kafka.bootstrap.servers", TestInfrastructure.kafkaBootstrapServers(),
                "edgesync.embedded.data-dir", dataDir.toString(),
                "edgesync.embedded.postgres.port", "0",
                "edgesync.embedded.postgres.statement-statistics", "true"));

        // When it starts
        EmbeddedInfrastructure.Started started = EmbeddedInfrastructure.start(config);
        try (var connection = java.sql.DriverManager.getConnection(
                started.properties().get("quarkus.datasource.jdbc.url"), "postgres", "");
                var statement = connection.createStatement()) {
            // Then the extension can be created and counts the statements that run
            statement.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            statement.executeQuery("SELECT 42 AS counted").close();
            try (var rows = statement.executeQuery(
                    "SELECT calls FROM pg_stat_statements WHERE query LIKE 'SELECT $1 AS counted%'")) {
                assertThat(rows.next()).as("the statement is counted").isTrue();
                assertThat(rows.getLong(1)).isPositive();
            }
        } finally {
            EmbeddedInfrastructure.stop(started);
        }
    }

    @Test
    void externalDatabaseWithoutKafkaStartsOnlyTheEmbeddedBroker() {
        // Given only the database configured externally (as a JDBC URL)
        BootConfig config = BootConfig.of(Map.of(
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://db.example:5432/edgesync",
                "edgesync.embedded.data-dir", dataDir.toString(),
                "edgesync.embedded.kafka.port", "0"));

        // When the local default decides
        EmbeddedInfrastructure.Started started = EmbeddedInfrastructure.start(config);
        try {
            // Then only a broker runs and the reactive URL is derived from the JDBC one
            assertThat(started.postgres()).isEmpty();
            assertThat(started.kafka()).isPresent();
            assertThat(Files.exists(dataDir.resolve("postgres"))).isFalse();
            assertThat(started.properties())
                    .containsEntry("quarkus.datasource.reactive.url", "postgresql://db.example:5432/edgesync")
                    .containsEntry("kafka.bootstrap.servers", started.kafka().get().bootstrapServers());
        } finally {
            EmbeddedInfrastructure.stop(started);
        }
    }

    @Test
    void embeddedDisabledWithoutEndpointsFailsWithAClearMessage() {
        BootConfig config = BootConfig.of(Map.of(
                "edgesync.embedded.enabled", "false",
                "edgesync.embedded.data-dir", dataDir.toString()));

        assertThatThrownBy(() -> EmbeddedInfrastructure.start(config))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("QUARKUS_DATASOURCE_REACTIVE_URL");
    }

    @Test
    void systemPropertiesWinOverApplicationProperties() {
        String key = "edgesync.embedded.postgres.database";
        System.setProperty(key, "from_system_property");
        try {
            assertThat(BootConfig.load().value(key)).contains("from_system_property");
        } finally {
            System.clearProperty(key);
        }
        assertThat(BootConfig.load().value("quarkus.datasource.db-kind")).contains("postgresql");
    }

    @Test
    void databaseUrlsConvertAndRedact() {
        assertThat(DatabaseUrls.jdbcFromReactive("vertx-reactive:postgresql://h:1/db"))
                .isEqualTo("jdbc:postgresql://h:1/db");
        assertThat(DatabaseUrls.jdbcFromReactive("postgres://h:1/db")).isEqualTo("jdbc:postgresql://h:1/db");
        assertThat(DatabaseUrls.reactiveFromJdbc("jdbc:postgresql://h:1/db?ssl=true"))
                .isEqualTo("postgresql://h:1/db?ssl=true");
        assertThat(DatabaseUrls.redact("postgresql://user:secret@h:1/db?password=x"))
                .isEqualTo("postgresql://***@h:1/db");
    }
}
