package io.edgesync.deployment;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLS;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLSBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The invariants are not vacuous: the base passes them, and each typical mistake in a manifest makes the right check
 * fail with a message that names the object.
 */
class ManifestInvariantsTest {

    @Test
    void objectInAnotherNamespaceIsReported() {
        List<String> violations = violations(object(Service.class, "edgesync-edge",
                s -> s.getMetadata().setNamespace("default")), ManifestInvariants::namespaces);

        assertThat(violations).singleElement().asString().contains("Service/edgesync-edge", "namespace default");
    }

    @Test
    void namespaceInTheManifestsIsReported() {
        List<HasMetadata> objects = new ArrayList<>(KubernetesManifestsTest.baseObjects());
        objects.add(new NamespaceBuilder().withNewMetadata().withName("edgesync").endMetadata().build());

        List<String> violations = violations(objects, ManifestInvariants::namespaces);

        assertThat(violations).singleElement().asString().contains("Namespace/edgesync", "kubectl delete -k");
    }

    @Test
    void probeOnAPathTheApplicationDoesNotServeIsReported() {
        List<String> violations = violations(edge(d -> container(d).getLivenessProbe()
                .getHttpGet()
                .setPath("/health/live")), ManifestInvariants::probes);

        assertThat(violations).singleElement()
                .asString()
                .contains("Deployment/edgesync-edge", "livenessProbe path /health/live", "/q/health/live");
    }

    @Test
    void probeOnAnotherPortIsReported() {
        List<String> violations = violations(edge(d -> container(d).getReadinessProbe()
                .getHttpGet()
                .setPort(new IntOrString(9000))), ManifestInvariants::probes);

        assertThat(violations).singleElement().asString().contains("readinessProbe port", "8080");
    }

    @Test
    void environmentVariableThatNoSettingReadsIsReported() {
        List<String> violations = violations(edge(d -> container(d).getEnv()
                .add(new EnvVar("EDGESYNC_EVENTS_CUD_TOPICS", "x", null))), ManifestInvariants::environment);

        assertThat(violations).singleElement()
                .asString()
                .contains("EDGESYNC_EVENTS_CUD_TOPICS",
                        "no edgesync.* setting");
    }

    @Test
    void invalidValueOfARealSettingIsReported() {
        List<String> violations = violations(configMap(cm -> cm.getData().put("EDGESYNC_TABLES_AUTO_CREATE", "yes")),
                ManifestInvariants::environment);

        assertThat(violations).singleElement().asString().contains("'yes'", "edgesync.tables.auto-create");
    }

    @Test
    void unknownQuarkusVariableIsReported() {
        List<String> violations = violations(edge(d -> container(d).getEnv()
                .add(new EnvVar("QUARKUS_DATASOURCE_URL", "x", null))), ManifestInvariants::environment);

        assertThat(violations).singleElement().asString().contains("QUARKUS_DATASOURCE_URL");
    }

    @Test
    void embeddedServersLeftOnAreReported() {
        List<String> violations = violations(configMap(cm -> cm.getData().remove("EDGESYNC_EMBEDDED_ENABLED")),
                ManifestInvariants::roles);

        assertThat(violations).hasSize(2).allSatisfy(v -> assertThat(v).contains("EDGESYNC_EMBEDDED_ENABLED"));
    }

    @Test
    void roleThatContradictsTheComponentLabelIsReported() {
        List<String> violations = violations(edge(d -> container(d).getEnv()
                .stream()
                .filter(e -> e.getName().equals("EDGESYNC_ROLE"))
                .forEach(e -> e.setValue("central"))), ManifestInvariants::roles);

        assertThat(violations).singleElement()
                .asString()
                .contains("EDGESYNC_ROLE=central",
                        "app.kubernetes.io/component=edge");
    }

    @Test
    void topicNameThatTheApplicationDoesNotUseIsReported() {
        List<String> violations = violations(custom("KafkaTopic", "edgesync.cud",
                topic -> spec(topic).put("topicName", "edgesync.cud.v2")), ManifestInvariants::topics);

        assertThat(violations).singleElement().asString().contains("edgesync.events.cud-topic = edgesync.cud");
    }

    @Test
    void changeStreamThatIsNotCompactedIsReported() {
        List<String> violations = violations(custom("KafkaTopic", "edgesync.changes",
                topic -> config(topic).put("cleanup.policy", "delete")), ManifestInvariants::topics);

        assertThat(violations).singleElement().asString().contains("compact");
    }

    @Test
    void topicWithMoreReplicasThanBrokersIsReported() {
        List<String> violations = violations(custom("KafkaNodePool", "dual-role",
                pool -> spec(pool).put("replicas", 1)), ManifestInvariants::topics);

        // one per KafkaTopic: cud, changes, conflicts, heartbeats
        assertThat(violations).hasSize(4).allSatisfy(v -> assertThat(v).contains("1 broker(s)"));
    }

    @Test
    void applicationCreatingTopicsThatKafkaTopicsDeclareIsReported() {
        List<String> violations = violations(configMap(cm -> cm.getData().remove("EDGESYNC_EVENTS_CREATE_TOPICS")),
                ManifestInvariants::topicCreation);

        assertThat(violations).hasSize(2)
                .allSatisfy(v -> assertThat(v).contains("EDGESYNC_EVENTS_CREATE_TOPICS=true", "Topic Operator"));
    }

    @Test
    void bootstrapServerThatIsNotTheStrimziServiceIsReported() {
        List<String> violations = violations(configMap(cm -> cm.getData()
                .put("KAFKA_BOOTSTRAP_SERVERS",
                        "kafka:9092")),
                ManifestInvariants::kafka);

        assertThat(violations).hasSize(2).allSatisfy(v -> assertThat(v).contains("edgesync-kafka-kafka-bootstrap"));
    }

    @Test
    void credentialsOfAnotherClusterAreReported() {
        List<String> violations = violations(edge(d -> container(d).getEnv()
                .stream()
                .filter(e -> e.getName().equals("QUARKUS_DATASOURCE_PASSWORD"))
                .forEach(e -> e.getValueFrom().getSecretKeyRef().setName("edgesync-central-db-app"))),
                ManifestInvariants::databases);

        assertThat(violations).singleElement()
                .asString()
                .contains("QUARKUS_DATASOURCE_PASSWORD",
                        "edgesync-edge-db-app");
    }

    @Test
    void postgresClusterOnTheOperatorsDefaultImageIsReported() {
        List<String> violations = violations(custom("Cluster", "edgesync-edge-db",
                cluster -> spec(cluster).remove("imageName")), ManifestInvariants::postgresImages);

        assertThat(violations).singleElement()
                .asString()
                .contains("Cluster/edgesync-edge-db", "operator's default", "postgres-binaries.version");
    }

    @Test
    void postgresClusterOnAnotherMinorReleaseIsReported() {
        List<String> violations = violations(custom("Cluster", "edgesync-central-db",
                cluster -> spec(cluster).put("imageName", "ghcr.io/cloudnative-pg/postgresql:17.1-standard-trixie")),
                ManifestInvariants::postgresImages);

        assertThat(violations).singleElement().asString().contains("Cluster/edgesync-central-db", "17.1-standard");
    }

    @Test
    void singlePostgresInstanceThatBlocksDrainsIsReported() {
        List<String> violations = violations(custom("Cluster", "edgesync-edge-db",
                cluster -> spec(cluster).put("instances", 1)), ManifestInvariants::postgresDisruptionBudgets);

        assertThat(violations).singleElement().asString().contains("Cluster/edgesync-edge-db", "enablePDB: false");
    }

    @Test
    void serviceThatSelectsNoPodsIsReported() {
        List<String> violations = violations(object(Service.class, "edgesync-edge",
                s -> s.getSpec().getSelector().put("app.kubernetes.io/component", "gateway")),
                ManifestInvariants::selectors);

        assertThat(violations).singleElement().asString().contains("Service/edgesync-edge", "selects no pods");
    }

    @Test
    void rolesOnDifferentImagesAreReported() {
        List<String> violations = violations(object(Deployment.class, "edgesync-central",
                d -> container(d).setImage("edgesync-central:1")), ManifestInvariants::images);

        assertThat(violations).singleElement().asString().contains("one image");
    }

    @Test
    void writableRootFilesystemIsReported() {
        List<String> violations = violations(edge(d -> container(d).getSecurityContext()
                .setReadOnlyRootFilesystem(false)), ManifestInvariants::security);

        assertThat(violations).singleElement().asString().contains("read-only");
    }

    @Test
    void memoryLimitBelowTheMeasuredFootprintIsReported() {
        List<String> violations = violations(edge(d -> container(d).getResources()
                .getLimits()
                .put("memory", new Quantity("320Mi"))), ManifestInvariants::resources);

        assertThat(violations).isNotEmpty().allSatisfy(v -> assertThat(v).contains("Deployment/edgesync-edge"));
        assertThat(violations).anySatisfy(v -> assertThat(v).contains("measured RSS under load"));
    }

    @Test
    void replicaCountNextToAnAutoscalerIsReported() {
        List<String> violations = violations(edge(d -> d.getSpec().setReplicas(2)), ManifestInvariants::references);

        assertThat(violations).singleElement().asString().contains("spec.replicas", "HorizontalPodAutoscaler");
    }

    @Test
    void secretInTheManifestsIsReported() {
        List<HasMetadata> objects = new ArrayList<>(KubernetesManifestsTest.baseObjects());
        objects.add(new SecretBuilder().withNewMetadata().withName("edgesync-secret").endMetadata().build());

        List<String> violations = violations(objects, ManifestInvariants::secrets);

        assertThat(violations).singleElement()
                .asString()
                .contains("Secret/edgesync-secret", "kubectl apply -k", "kubectl create secret");
    }

    @Test
    void edgeServiceOutsideTheClusterIsReported() {
        List<String> violations = violations(object(Service.class, "edgesync-edge",
                s -> s.getSpec().setType("LoadBalancer")), ManifestInvariants::exposure);

        assertThat(violations).singleElement()
                .asString()
                .contains("Service/edgesync-edge", "LoadBalancer", "plain HTTP");
    }

    @Test
    void ingressHostWithoutACertificateIsReported() {
        List<HasMetadata> objects = withEdgeIngress(List.of(), "10.0.0.0/8");

        List<String> violations = violations(objects, ManifestInvariants::exposure);

        assertThat(violations).singleElement()
                .asString()
                .contains("Ingress/edgesync-edge", "edgesync.example.com", "no TLS certificate");
    }

    @Test
    void ingressWhoseForwardedHeadersTheEdgesIgnoreIsReported() {
        List<HasMetadata> objects = withEdgeIngress(List.of(new IngressTLSBuilder().withHosts("edgesync.example.com")
                .withSecretName("edgesync-edge-tls")
                .build()), "127.0.0.1/32");

        List<String> violations = violations(objects, ManifestInvariants::exposure);

        assertThat(violations).singleElement()
                .asString()
                .contains("Deployment/edgesync-edge", "EDGESYNC_SECURITY_TRUSTED_PROXIES", "http://");
    }

    @Test
    void centralReachingTheEdgeCacheIsReported() {
        List<String> violations = violations(object(NetworkPolicy.class, "edgesync-edge-db-ingress",
                p -> p.getSpec()
                        .getIngress()
                        .get(0)
                        .getFrom()
                        .add(new NetworkPolicyPeerBuilder()
                                .withNewPodSelector()
                                .withMatchLabels(Map.of("app.kubernetes.io/component", "central"))
                                .endPodSelector()
                                .build())),
                ManifestInvariants::networkPolicies);

        assertThat(violations).singleElement()
                .asString()
                .contains("Deployment/edgesync-central may reach",
                        "edgesync-edge-db");
    }

    @Test
    void centralOpenToDevicesIsReported() {
        List<String> violations = violations(object(NetworkPolicy.class, "edgesync-central-ingress",
                p -> p.getSpec().getIngress().get(0).setFrom(List.of())), ManifestInvariants::networkPolicies);

        assertThat(violations).singleElement().asString().contains("central is open to everyone");
    }

    @Test
    void kafkaListenerOpenToEveryPodIsReported() {
        List<String> violations = violations(custom("Kafka", "edgesync-kafka", kafka -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> listener = ((List<Map<String, Object>>) ((Map<String, Object>) spec(kafka).get(
                    "kafka")).get("listeners")).get(0);
            listener.remove("networkPolicyPeers");
        }), ManifestInvariants::networkPolicies);

        assertThat(violations).singleElement().asString().contains("listener plain has no networkPolicyPeers");
    }

    @Test
    void serviceMonitorOnAnotherPathIsReported() {
        List<String> violations = violations(custom("ServiceMonitor", "edgesync", monitor -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> endpoint = ((List<Map<String, Object>>) spec(monitor).get("endpoints")).get(0);
            endpoint.put("path", "/metrics");
        }), ManifestInvariants::serviceMonitors);

        assertThat(violations).singleElement().asString().contains("/q/metrics");
    }

    @Test
    void serviceMonitorThatKubePrometheusStackDoesNotSelectIsReported() {
        List<String> violations = violations(custom("ServiceMonitor", "edgesync",
                monitor -> monitor.getMetadata().getLabels().remove("release")), ManifestInvariants::serviceMonitors);

        assertThat(violations).singleElement().asString().contains("ServiceMonitor/edgesync", "release");
    }

    @Test
    void serviceMonitorWithoutATokenForProtectedMetricsIsReported() {
        List<String> violations = violations(custom("ServiceMonitor", "edgesync", monitor -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> endpoint = ((List<Map<String, Object>>) spec(monitor).get("endpoints")).get(0);
            endpoint.remove("authorization");
        }), ManifestInvariants::serviceMonitors);

        assertThat(violations).singleElement().asString().contains("admin role", "no token");
    }

    @Test
    void theBaseItselfHasNoViolations() {
        ManifestInvariants invariants = new ManifestInvariants(KubernetesManifestsTest.baseObjects());

        invariants.checks().forEach((name, check) -> assertThat(check.get()).as(name).isEmpty());
    }

    // ------------------------------------------------------------------------------------------------------------

    private static List<String> violations(List<HasMetadata> objects,
            Function<ManifestInvariants, List<String>> check) {
        return check.apply(new ManifestInvariants(objects));
    }

    /** The base with an Ingress for the edge Service and the proxies the pods trust. */
    private static List<HasMetadata> withEdgeIngress(List<IngressTLS> tls, String trustedProxies) {
        List<HasMetadata> objects = new ArrayList<>(
                configMap(cm -> cm.getData().put("EDGESYNC_SECURITY_TRUSTED_PROXIES", trustedProxies)));
        objects.add(new IngressBuilder().withNewMetadata()
                .withName("edgesync-edge")
                .endMetadata()
                .withNewSpec()
                .withTls(tls)
                .addNewRule()
                .withHost("edgesync.example.com")
                .withNewHttp()
                .addNewPath()
                .withPath("/")
                .withPathType("Prefix")
                .withNewBackend()
                .withNewService()
                .withName("edgesync-edge")
                .withNewPort()
                .withName("http")
                .endPort()
                .endService()
                .endBackend()
                .endPath()
                .endHttp()
                .endRule()
                .endSpec()
                .build());
        return objects;
    }

    private static List<HasMetadata> edge(Consumer<Deployment> change) {
        return object(Deployment.class, "edgesync-edge", change);
    }

    private static List<HasMetadata> configMap(Consumer<ConfigMap> change) {
        return object(ConfigMap.class, "edgesync-config", change);
    }

    /** A fresh copy of the base with one object changed. */
    private static <T extends HasMetadata> List<HasMetadata> object(Class<T> type, String name, Consumer<T> change) {
        List<HasMetadata> objects = KubernetesManifestsTest.baseObjects();
        T target = objects.stream()
                .filter(type::isInstance)
                .map(type::cast)
                .filter(o -> o.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + "/" + name + " in the base"));
        change.accept(target);
        return objects;
    }

    private static List<HasMetadata> custom(String kind, String name, Consumer<GenericKubernetesResource> change) {
        List<HasMetadata> objects = KubernetesManifestsTest.baseObjects();
        GenericKubernetesResource target = objects.stream()
                .filter(o -> o instanceof GenericKubernetesResource && o.getKind().equals(kind))
                .map(GenericKubernetesResource.class::cast)
                .filter(o -> o.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + "/" + name + " in the base"));
        change.accept(target);
        return objects;
    }

    private static Container container(Deployment deployment) {
        return ManifestInvariants.mainContainer(deployment);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> spec(GenericKubernetesResource resource) {
        return (Map<String, Object>) resource.getAdditionalProperties().get("spec");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> config(GenericKubernetesResource resource) {
        return (Map<String, Object>) spec(resource).get("config");
    }
}
