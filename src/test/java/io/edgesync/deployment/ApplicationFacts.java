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

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.w3c.dom.Element;
import org.xml.sax.SAXException;

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
    private final String postgresVersion;

    private ApplicationFacts(Properties properties, String postgresVersion) {
        this.properties = properties;
        this.postgresVersion = postgresVersion;
    }

    static ApplicationFacts load() {
        Path file = Manifests.REPOSITORY.resolve("src/main/resources/application.properties");
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ApplicationFacts(properties, pomProperty("postgres-binaries.version"));
    }

    /**
     * The PostgreSQL release the tests and the local default run ({@code major.minor}, from the embedded binaries of
     * pom.xml, e.g. 17.11 for 17.11.0): what a deployment's database must run too.
     */
    String postgresVersion() {
        String[] parts = postgresVersion.split("\\.");
        return parts[0] + "." + parts[1];
    }

    private static String pomProperty(String name) {
        Path pom = Manifests.REPOSITORY.resolve("pom.xml");
        try {
            Element properties = (Element) DocumentBuilderFactory.newInstance()
                    .newDocumentBuilder()
                    .parse(pom.toFile())
                    .getDocumentElement()
                    .getElementsByTagName("properties")
                    .item(0);
            return properties.getElementsByTagName(name).item(0).getTextContent().trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ParserConfigurationException | SAXException e) {
            throw new IllegalStateException("Could not read " + name + " from " + pom, e);
        }
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
