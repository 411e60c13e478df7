package io.edgesync.deployment;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The container build and the compose file, checked without a Docker engine: the Dockerfile copies what the build
 * packages, runs as non-root with the embedded servers off and sets only real settings; the compose file wires each
 * role to its own PostgreSQL and to the Kafka broker, with real settings only.
 */
class ContainerBuildTest {

    private static final Path DOCKERFILE = Manifests.REPOSITORY.resolve("src/main/docker/Dockerfile.jvm");
    private static final Path COMPOSE = Manifests.REPOSITORY.resolve("deploy/compose.yaml");
    private static final Pattern ENV_LINE = Pattern.compile("^ENV\\s+(\\w+)=(\"[^\"]*\"|\\S+)\\s*$",
            Pattern.MULTILINE);

    @Test
    void dockerfileRunsThePackagedApplicationAsNonRootWithTheEmbeddedServersOff() throws IOException {
        // Given the Dockerfile
        String dockerfile = Files.readString(DOCKERFILE, StandardCharsets.UTF_8);

        // Then it is based on an OpenJDK 17 runtime, runs as a numeric non-root user and exposes the HTTP port
        assertThat(dockerfile).containsPattern("ARG BASE_IMAGE=\\S*openjdk-17-runtime\\S*")
                .containsPattern("(?m)^FROM \\$\\{BASE_IMAGE}$")
                .containsPattern("(?m)^USER 185$")
                .containsPattern("(?m)^EXPOSE " + ApplicationFacts.load().httpPort() + "$");
        // And every ENV is a real setting, the embedded servers switched off
        Map<String, String> env = environment(dockerfile);
        assertThat(env).containsEntry("EDGESYNC_EMBEDDED_ENABLED", "false")
                .containsEntry("JAVA_APP_JAR", "/deployments/quarkus-run.jar");
        ManifestInvariants invariants = new ManifestInvariants(List.of());
        List<String> violations = new ArrayList<>();
        env.forEach((name, value) -> violations.addAll(invariants.checkVariable("Dockerfile.jvm ENV", name,
                name.startsWith("EDGESYNC_") ? value : null)));
        assertThat(violations).isEmpty();
        // And the build context lets the packaged application in
        assertThat(Files.readString(DOCKERFILE.resolveSibling("Dockerfile.jvm.dockerignore"), StandardCharsets.UTF_8))
                .contains("!target/quarkus-app/");
    }

    @Test
    void dockerfileCopiesWhatThePackageBuildProduces() throws IOException {
        Path app = Manifests.REPOSITORY.resolve("target/quarkus-app");
        if (!Files.isRegularFile(app.resolve("quarkus-run.jar"))) {
            Assumptions.abort("target/quarkus-app is not packaged yet (./mvnw package); the COPY sources cannot be"
                    + " checked");
        }
        Matcher copy = Pattern.compile("(?m)^COPY --chown=185 (\\S+) (\\S+)$")
                .matcher(Files.readString(DOCKERFILE, StandardCharsets.UTF_8));
        int copies = 0;
        while (copy.find()) {
            copies++;
            String source = copy.group(1);
            if (source.endsWith("*.jar")) {
                try (Stream<Path> jars = Files.list(Manifests.REPOSITORY.resolve(source).getParent())) {
                    assertThat(jars.filter(f -> f.toString().endsWith(".jar"))).as(source).isNotEmpty();
                }
            } else {
                assertThat(Manifests.REPOSITORY.resolve(source)).as(source).isDirectory();
            }
        }
        assertThat(copies).as("COPY lines for lib/, the run jar, app/ and quarkus/").isEqualTo(4);
    }

    @Test
    void composeWiresEachRoleToItsOwnDatabaseAndTheBroker() throws IOException {
        // Given the compose file (SnakeYAML resolves its anchors and merge keys)
        Map<String, Object> compose = new Yaml().load(Files.readString(COMPOSE, StandardCharsets.UTF_8));
        Map<String, Map<String, Object>> services = map(compose.get("services"));

        // Then it has one Kafka broker in KRaft mode, two PostgreSQL servers, one edge and one central
        assertThat(services).containsKeys("kafka", "edge-db", "central-db", "edge", "central");
        Map<String, String> kafka = strings(services.get("kafka").get("environment"));
        assertThat(kafka.get("KAFKA_PROCESS_ROLES")).contains("broker", "controller");
        String advertised = kafka.get("KAFKA_ADVERTISED_LISTENERS");

        ManifestInvariants invariants = new ManifestInvariants(List.of());
        List<String> databases = new ArrayList<>();
        for (String role : List.of("edge", "central")) {
            Map<String, Object> service = services.get(role);
            Map<String, String> env = strings(service.get("environment"));
            // And both are built from the Dockerfile, read-only with a /tmp
            Map<String, Object> build = map(service.get("build"));
            assertThat(COMPOSE.getParent()
                    .resolve(String.valueOf(build.get("context")))
                    .resolve(String.valueOf(build
                            .get("dockerfile")))
                    .normalize()).isEqualTo(DOCKERFILE);
            assertThat(service).containsEntry("read_only", true);
            assertThat(String.valueOf(service.get("tmpfs"))).contains("/tmp");
            // And run their role with real settings only
            assertThat(env).containsEntry("EDGESYNC_ROLE", role);
            List<String> violations = new ArrayList<>();
            env.forEach((name, value) -> violations.addAll(invariants.checkVariable("compose " + role, name,
                    value)));
            assertThat(violations).isEmpty();
            // And each uses a PostgreSQL service of the file, and the broker's advertised listener
            URI database = URI.create(env.get("QUARKUS_DATASOURCE_REACTIVE_URL"));
            assertThat(services).containsKey(database.getHost());
            assertThat(String.valueOf(services.get(database.getHost()).get("image"))).startsWith("postgres:");
            databases.add(database.getHost());
            assertThat(advertised).contains("//" + env.get("KAFKA_BOOTSTRAP_SERVERS"));
            assertThat(map(service.get("depends_on"))).containsKeys("kafka", database.getHost());
        }
        assertThat(databases).as("edge cache and central master are separate databases").doesNotHaveDuplicates();
    }

    private static Map<String, String> environment(String dockerfile) {
        Map<String, String> env = new LinkedHashMap<>();
        Matcher matcher = ENV_LINE.matcher(dockerfile);
        while (matcher.find()) {
            env.put(matcher.group(1), matcher.group(2).replaceAll("^\"|\"$", ""));
        }
        return env;
    }

    @SuppressWarnings("unchecked")
    private static <V> Map<String, V> map(Object value) {
        return value instanceof Map<?, ?> m ? (Map<String, V>) m : Map.of();
    }

    private static Map<String, String> strings(Object value) {
        Map<String, String> strings = new LinkedHashMap<>();
        map(value).forEach((k, v) -> strings.put(k, String.valueOf(v)));
        return strings;
    }
}
