package io.edgesync.deployment;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * What the deployments must agree with, read from the application itself: its HTTP port, the paths of its health and
 * metrics endpoints (Quarkus defaults unless application.properties moves them), and the environment variables that are
 * not {@code edgesync.*} settings but still configure it.
 */
final class ApplicationFacts {

    /**
     * Quarkus and Kafka settings that deployments may set as environment variables, each a real configuration key of an
     * extension this application has. Anything else in a manifest is a typo or a setting nobody reads.
     */
    static final Map<String, String> OTHER_KEYS = Map.ofEntries(
            Map.entry("QUARKUS_DATASOURCE_REACTIVE_URL", "quarkus.datasource.reactive.url"),
            Map.entry("QUARKUS_DATASOURCE_JDBC_URL", "quarkus.datasource.jdbc.url"),
            Map.entry("QUARKUS_DATASOURCE_USERNAME", "quarkus.datasource.username"),
            Map.entry("QUARKUS_DATASOURCE_PASSWORD", "quarkus.datasource.password"),
            Map.entry("QUARKUS_HTTP_PORT", "quarkus.http.port"),
            Map.entry("QUARKUS_HTTP_HOST", "quarkus.http.host"),
            Map.entry("QUARKUS_HTTP_BODY_UPLOADS_DIRECTORY", "quarkus.http.body.uploads-directory"),
            Map.entry("QUARKUS_LOG_LEVEL", "quarkus.log.level"),
            Map.entry("QUARKUS_PROFILE", "quarkus.profile"),
            Map.entry("QUARKUS_HTTP_AUTH_PERMISSION_METRICS_POLICY", "quarkus.http.auth.permission.metrics.policy"),
            Map.entry("MP_JWT_VERIFY_PUBLICKEY_LOCATION", "mp.jwt.verify.publickey.location"),
            Map.entry("MP_JWT_VERIFY_ISSUER", "mp.jwt.verify.issuer"),
            Map.entry("MP_JWT_VERIFY_AUDIENCES", "mp.jwt.verify.audiences"),
            Map.entry("MP_JWT_VERIFY_CLOCK_SKEW", "mp.jwt.verify.clock.skew"),
            Map.entry("KAFKA_BOOTSTRAP_SERVERS", "kafka.bootstrap.servers"));

    /** Read by the container image's start script (run-java.sh of the UBI OpenJDK images), not by the application. */
    static final Set<String> IMAGE_VARIABLES = Set.of("JAVA_MAX_MEM_RATIO", "JAVA_INITIAL_MEM_RATIO",
            "JAVA_OPTS_APPEND", "JAVA_OPTS", "JAVA_APP_JAR", "JAVA_DIAGNOSTICS", "GC_MAX_METASPACE_SIZE");

    private final Properties properties;

    private ApplicationFacts(Properties properties) {
        this.properties = properties;
    }

    static ApplicationFacts load() {
        Path file = Manifests.REPOSITORY.resolve("src/main/resources/application.properties");
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ApplicationFacts(properties);
    }

    /** {@code quarkus.http.port} of the production profile. */
    int httpPort() {
        return Integer.parseInt(properties.getProperty("quarkus.http.port", "8080").trim());
    }

    String livenessPath() {
        return healthPath("quarkus.smallrye-health.liveness-path", "live");
    }

    String readinessPath() {
        return healthPath("quarkus.smallrye-health.readiness-path", "ready");
    }

    String startupPath() {
        return healthPath("quarkus.smallrye-health.startup-path", "started");
    }

    String metricsPath() {
        return underNonApplicationRoot(properties.getProperty("quarkus.micrometer.export.prometheus.path", "metrics"));
    }

    private String healthPath(String key, String defaultValue) {
        String path = properties.getProperty(key, defaultValue).trim();
        if (path.startsWith("/")) {
            return path;
        }
        String root = properties.getProperty("quarkus.smallrye-health.root-path", "health").trim();
        String base = root.startsWith("/") ? root : underNonApplicationRoot(root);
        return base + "/" + path;
    }

    private String underNonApplicationRoot(String path) {
        if (path.startsWith("/")) {
            return path;
        }
        String root = properties.getProperty("quarkus.http.non-application-root-path", "q").trim();
        root = root.startsWith("/") ? root : "/" + root;
        return root + "/" + path;
    }
}
