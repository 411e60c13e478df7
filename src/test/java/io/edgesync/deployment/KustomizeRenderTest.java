package io.edgesync.deployment;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every overlay rendered by {@code kubectl kustomize} (where kubectl exists; otherwise these tests are skipped and say
 * so), parsed with the fabric8 model and held to the same invariants as the base, plus what each overlay promises.
 */
class KustomizeRenderTest {

    private static Path kubectl;

    @BeforeAll
    static void findKubectl() {
        kubectl = Optional.ofNullable(System.getenv("PATH"))
                .stream()
                .flatMap(path -> Stream.of(path.split(File.pathSeparator)))
                .map(dir -> Path.of(dir, "kubectl"))
                .filter(Files::isExecutable)
                .findFirst()
                .orElse(null);
    }

    @TestFactory
    Stream<DynamicNode> everyOverlayRendersAndSatisfiesEveryInvariant() throws IOException {
        requireKubectl();
        List<Path> targets = new ArrayList<>();
        targets.add(Manifests.K8S.resolve("base"));
        try (Stream<Path> overlays = Files.list(Manifests.K8S.resolve("overlays"))) {
            overlays.sorted().forEach(targets::add);
        }
        return targets.stream().map(target -> {
            List<HasMetadata> rendered = render(target);
            ManifestInvariants invariants = new ManifestInvariants(rendered);
            return DynamicContainer.dynamicContainer(Manifests.REPOSITORY.relativize(target).toString(),
                    invariants.checks()
                            .entrySet()
                            .stream()
                            .map(check -> DynamicTest.dynamicTest(check.getKey(),
                                    () -> assertThat(check.getValue().get()).as(check.getKey()).isEmpty())));
        });
    }

    @Test
    void productionIsHighlyAvailableAndTakesTopicsFromStrimzi() {
        requireKubectl();
        // Given the rendered production overlay
        List<HasMetadata> objects = render(Manifests.K8S.resolve("overlays/production"));
        ManifestInvariants invariants = new ManifestInvariants(objects);

        // Then both roles read topics from Strimzi and serve declared tables only
        for (Deployment deployment : invariants.edgeSyncDeployments()) {
            assertThat(invariants.effectiveEnvironment(deployment)).as(ManifestInvariants.describe(deployment))
                    .containsEntry("EDGESYNC_EVENTS_CREATE_TOPICS", "false")
                    .containsEntry("EDGESYNC_TABLES_AUTO_CREATE", "false")
                    .containsEntry("EDGESYNC_EMBEDDED_ENABLED", "false");
        }
        // And nothing runs as a single instance
        assertThat(invariants.ofType(HorizontalPodAutoscaler.class))
                .allSatisfy(hpa -> assertThat(hpa.getSpec().getMinReplicas()).isGreaterThanOrEqualTo(3));
        assertThat(invariants.edgeSyncDeployments())
                .filteredOn(d -> d.getSpec().getReplicas() != null)
                .allSatisfy(d -> assertThat(d.getSpec().getReplicas()).isGreaterThanOrEqualTo(2));
        assertThat(invariants.custom("Cluster"))
                .allSatisfy(c -> assertThat(intField(c, "spec.instances")).isGreaterThanOrEqualTo(3));
        assertThat(invariants.custom("KafkaNodePool"))
                .allSatisfy(p -> assertThat(intField(p, "spec.replicas")).isGreaterThanOrEqualTo(3));
        assertThat(invariants.custom("KafkaTopic")).allSatisfy(topic -> {
            assertThat(intField(topic, "spec.replicas")).isEqualTo(3);
            assertThat(((Map<?, ?>) Manifests.field(topic, "spec.config").orElseThrow()).get("min.insync.replicas"))
                    .hasToString("2");
        });
        // And devices reach the edges from outside the cluster, over TLS through an Ingress, not through the Service
        assertThat(invariants.ofType(Ingress.class)).singleElement().satisfies(ingress -> {
            assertThat(ingress.getSpec().getRules()).flatExtracting(rule -> rule.getHttp().getPaths())
                    .extracting(path -> path.getBackend().getService().getName())
                    .containsOnly("edgesync-edge");
            assertThat(ingress.getSpec().getTls()).isNotEmpty()
                    .allSatisfy(tls -> assertThat(tls.getSecretName()).isNotBlank());
        });
        assertThat(invariants.ofType(Service.class))
                .filteredOn(s -> "edgesync-edge".equals(s.getMetadata().getName()))
                .singleElement()
                .satisfies(s -> assertThat(s.getSpec().getType()).isEqualTo("ClusterIP"));
        // And Prometheus scrapes them
        assertThat(invariants.custom("ServiceMonitor")).hasSize(1);
    }

    @Test
    void devFitsASmallClusterWithoutThePrometheusOperator() {
        requireKubectl();
        // Given the rendered dev overlay
        List<HasMetadata> objects = render(Manifests.K8S.resolve("overlays/dev"));
        ManifestInvariants invariants = new ManifestInvariants(objects);

        // Then it needs no ServiceMonitor CRD, runs one Kafka node and one PostgreSQL instance per cluster
        assertThat(invariants.custom("ServiceMonitor")).isEmpty();
        assertThat(invariants.custom("KafkaNodePool"))
                .allSatisfy(p -> assertThat(intField(p, "spec.replicas")).isEqualTo(1));
        assertThat(invariants.custom("Cluster"))
                .allSatisfy(c -> assertThat(intField(c, "spec.instances")).isEqualTo(1));
        // And any table can be written, as in the local default
        for (Deployment deployment : invariants.edgeSyncDeployments()) {
            assertThat(invariants.effectiveEnvironment(deployment)).containsEntry("EDGESYNC_TABLES_AUTO_CREATE",
                    "true");
        }
    }

    @Test
    void devServesAnonymousDevicesWithoutAPlaceholderIdentityProvider() {
        requireKubectl();
        // Given the rendered dev overlay
        ManifestInvariants invariants = new ManifestInvariants(render(Manifests.K8S.resolve("overlays/dev")));

        // Then devices need no token, and no token is checked against the base's placeholder identity provider
        // (which would refuse every one): the development setting, as in Compose and the local topology
        for (Deployment deployment : invariants.edgeSyncDeployments()) {
            assertThat(invariants.effectiveEnvironment(deployment)).as(ManifestInvariants.describe(deployment))
                    .containsEntry("EDGESYNC_SECURITY_ANONYMOUS", "true")
                    .doesNotContainKeys("MP_JWT_VERIFY_PUBLICKEY_LOCATION", "MP_JWT_VERIFY_ISSUER");
        }
    }

    private static void requireKubectl() {
        if (kubectl == null) {
            Assumptions.abort("kubectl not found: not on PATH (" + System.getenv("PATH") + "); install kubectl to"
                    + " render the overlays with kustomize. KubernetesManifestsTest still checks the files as written.");
        }
    }

    static List<HasMetadata> render(Path kustomization) {
        try {
            Path output = Files.createTempFile("kustomize-", ".yaml");
            Path errors = Files.createTempFile("kustomize-", ".err");
            try {
                Process process = new ProcessBuilder(kubectl.toString(), "kustomize", kustomization.toString())
                        .redirectOutput(output.toFile())
                        .redirectError(errors.toFile())
                        .start();
                assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("kubectl kustomize finishes").isTrue();
                assertThat(process.exitValue()).as("kubectl kustomize " + kustomization + ": "
                        + Files.readString(errors, StandardCharsets.UTF_8)).isZero();
                return Manifests.objects(Manifests.parse(Files.readString(output, StandardCharsets.UTF_8),
                        kustomization.resolve("(rendered)")));
            } finally {
                Files.deleteIfExists(output);
                Files.deleteIfExists(errors);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int intField(GenericKubernetesResource object, String path) {
        return Integer.parseInt(String.valueOf(Manifests.field(object, path).orElse("0")));
    }
}
