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
        // Given the base with the edge Service in the default namespace
        // When the namespace check runs
        List<String> violations = violations(object(Service.class, "edgesync-edge",
                s -> s.getMetadata().setNamespace("default")), ManifestInvariants::namespaces);

        // Then it reports that Service and its namespace
        assertThat(violations).singleElement().asString().contains("Service/edgesync-edge", "namespace default");
    }

    @Test
    void namespaceInTheManifestsIsReported() {
        // Given the base with a Namespace object added
        List<HasMetadata> objects = new ArrayList<>(KubernetesManifestsTest.baseObjects());
        objects.add(new NamespaceBuilder().withNewMetadata().withName("edgesync").endMetadata().build());

        // When the namespace check runs
        List<String> violations = violations(objects, ManifestInvariants::namespaces);

        // Then it reports the Namespace, which kubectl delete -k would delete
        assertThat(violations).singleElement().asString().contains("Namespace/edgesync", "kubectl delete -k");
    }

    @Test
    void probeOnAPathTheApplicationDoesNotServeIsReported() {
        // Given the base with the edge's liveness probe on /health/live, a path the application does not serve
        // When the probe check runs
        List<String> violations = violations(edge(d -> container(d).getLivenessProbe()
                .getHttpGet()
                .setPath("/health/live")), ManifestInvariants::probes);

        // Then it reports the edge Deployment, the probe's path and the path the application serves
        assertThat(violations).singleElement()
                .asString()
                .contains("Deployment/edgesync-edge", "livenessProbe path /health/live", "/q/health/live");
    }

    @Test
    void probeOnAnotherPortIsReported() {
        // Given the base with the edge's readiness probe on port 9000
        // When the probe check runs
        List<String> violations = violations(edge(d -> container(d).getReadinessProbe()
                .getHttpGet()
                .setPort(new IntOrString(9000))), ManifestInvariants::probes);

        // Then it reports the readiness probe's port, which is not the HTTP port 8080
        assertThat(violations).singleElement().asString().contains("readinessProbe port", "8080");
    }

    @Test
    void environmentVariableThatNoSettingReadsIsReported() {
        // Given the base with an edge variable EDGESYNC_EVENTS_CUD_TOPICS that no setting reads
        // When the environment check runs
        List<String> violations = violations(edge(d -> container(d).getEnv()
                .add(new EnvVar("EDGESYNC_EVENTS_CUD_TOPICS", "x", null))), ManifestInvariants::environment);

        // Then it reports that variable, read by no edgesync.* setting
        assertThat(violations).singleElement()
                .asString()
                .contains("EDGESYNC_EVENTS_CUD_TOPICS",
                        "no edgesync.* setting");
    }

    @Test
    void invalidValueOfARealSettingIsReported() {
        // Given the base whose config map sets EDGESYNC_TABLES_AUTO_CREATE to yes, not a value of that setting
        // When the environment check runs
        List<String> violations = violations(configMap(cm -> cm.getData().put("EDGESYNC_TABLES_AUTO_CREATE", "yes")),
                ManifestInvariants::environment);

        // Then it reports the value and the setting
        assertThat(violations).singleElement().asString().contains("'yes'", "edgesync.tables.auto-create");
    }

    @Test
    void unknownQuarkusVariableIsReported() {
        // Given the base with a Quarkus variable QUARKUS_DATASOURCE_URL that no setting reads
        // When the environment check runs
        List<String> violations = violations(edge(d -> container(d).getEnv()
                .add(new EnvVar("QUARKUS_DATASOURCE_URL", "x", null))), ManifestInvariants::environment);

        // Then it reports that variable
        assertThat(violations).singleElement().asString().contains("QUARKUS_DATASOURCE_URL");
    }

    @Test
    void embeddedServersLeftOnAreReported() {
        // Given the base whose config map no longer turns the embedded servers off
        // When the role check runs
        List<String> violations = violations(configMap(cm -> cm.getData().remove("EDGESYNC_EMBEDDED_ENABLED")),
                ManifestInvariants::roles);

        // Then it reports EDGESYNC_EMBEDDED_ENABLED twice, for edge and central
        assertThat(violations).hasSize(2).allSatisfy(v -> assertThat(v).contains("EDGESYNC_EMBEDDED_ENABLED"));
    }

    @Test
    void roleThatContradictsTheComponentLabelIsReported() {
        // Given the base with the edge Deployment's EDGESYNC_ROLE set to central
        // When the role check runs
        List<String> violations = violations(edge(d -> container(d).getEnv()
                .stream()
                .filter(e -> e.getName().equals("EDGESYNC_ROLE"))
                .forEach(e -> e.setValue("central"))), ManifestInvariants::roles);

        // Then it reports the role against the component label edge
        assertThat(violations).singleElement()
                .asString()
                .contains("EDGESYNC_ROLE=central",
                        "app.kubernetes.io/component=edge");
    }

    @Test
    void topicNameThatTheApplicationDoesNotUseIsReported() {
        // Given the base whose KafkaTopic edgesync.cud names the topic edgesync.cud.v2
        // When the topic check runs
        List<String> violations = violations(custom("KafkaTopic", "edgesync.cud",
                topic -> spec(topic).put("topicName", "edgesync.cud.v2")), ManifestInvariants::topics);

        // Then it reports the setting and the topic name the application uses
        assertThat(violations).singleElement().asString().contains("edgesync.events.cud-topic = edgesync.cud");
    }

    @Test
    void changeStreamThatIsNotCompactedIsReported() {
        // Given the base whose change stream topic is cleaned up by deletion
        // When the topic check runs
        List<String> violations = violations(custom("KafkaTopic", "edgesync.changes",
                topic -> config(topic).put("cleanup.policy", "delete")), ManifestInvariants::topics);

        // Then it reports that the change stream must be compacted
        assertThat(violations).singleElement().asString().contains("compact");
    }

    @Test
    void topicWithMoreReplicasThanBrokersIsReported() {
        // Given the base with a single broker in the Kafka node pool
        // When the topic check runs
        List<String> violations = violations(custom("KafkaNodePool", "dual-role",
                pool -> spec(pool).put("replicas", 1)), ManifestInvariants::topics);

        // Then every KafkaTopic (cud, changes, conflicts, heartbeats) is reported for more replicas than the 1 broker
        assertThat(violations).hasSize(4).allSatisfy(v -> assertThat(v).contains("1 broker(s)"));
    }

    @Test
    void applicationCreatingTopicsThatKafkaTopicsDeclareIsReported() {
        // Given the base whose config map no longer turns off the application's own topic creation
        // When the topic creation check runs
        List<String> violations = violations(configMap(cm -> cm.getData().remove("EDGESYNC_EVENTS_CREATE_TOPICS")),
                ManifestInvariants::topicCreation);

        // Then it reports twice, for edge and central, that the application would race the Topic Operator
        assertThat(violations).hasSize(2)
                .allSatisfy(v -> assertThat(v).contains("EDGESYNC_EVENTS_CREATE_TOPICS=true", "Topic Operator"));
    }

    @Test
    void bootstrapServerThatIsNotTheStrimziServiceIsReported() {
        // Given the base whose config map points KAFKA_BOOTSTRAP_SERVERS at kafka:9092
        // When the Kafka check runs
        List<String> violations = violations(configMap(cm -> cm.getData()
                .put("KAFKA_BOOTSTRAP_SERVERS",
                        "kafka:9092")),
                ManifestInvariants::kafka);

        // Then it reports it twice, for edge and central, naming the Strimzi bootstrap service
        assertThat(violations).hasSize(2).allSatisfy(v -> assertThat(v).contains("edgesync-kafka-kafka-bootstrap"));
    }

    @Test
    void credentialsOfAnotherClusterAreReported() {
        // Given the base whose edge takes its database password from the central cluster's secret
        // When the database check runs
        List<String> violations = violations(edge(d -> container(d).getEnv()
                .stream()
                .filter(e -> e.getName().equals("QUARKUS_DATASOURCE_PASSWORD"))
                .forEach(e -> e.getValueFrom().getSecretKeyRef().setName("edgesync-central-db-app"))),
                ManifestInvariants::databases);

        // Then it reports the password variable and the secret of the edge cluster it must come from
        assertThat(violations).singleElement()
                .asString()
                .contains("QUARKUS_DATASOURCE_PASSWORD",
                        "edgesync-edge-db-app");
    }

    @Test
    void postgresClusterOnTheOperatorsDefaultImageIsReported() {
        // Given the base whose edge PostgreSQL cluster names no image, so the operator's default runs
        // When the PostgreSQL image check runs
        List<String> violations = violations(custom("Cluster", "edgesync-edge-db",
                cluster -> spec(cluster).remove("imageName")), ManifestInvariants::postgresImages);

        // Then it reports the cluster on the operator's default, pointing to the tested release in the pom
        assertThat(violations).singleElement()
                .asString()
                .contains("Cluster/edgesync-edge-db", "operator's default", "postgres-binaries.version");
    }

    @Test
    void postgresClusterOnAnotherMinorReleaseIsReported() {
        // Given the base whose central PostgreSQL cluster runs 17.1, another release than the tested one
        // When the PostgreSQL image check runs
        List<String> violations = violations(custom("Cluster", "edgesync-central-db",
                cluster -> spec(cluster).put("imageName", "ghcr.io/cloudnative-pg/postgresql:17.1-standard-trixie")),
                ManifestInvariants::postgresImages);

        // Then it reports that cluster and its image
        assertThat(violations).singleElement().asString().contains("Cluster/edgesync-central-db", "17.1-standard");
    }

    @Test
    void singlePostgresInstanceThatBlocksDrainsIsReported() {
        // Given the base with a single instance of the edge PostgreSQL cluster, its disruption budget still on
        // When the PostgreSQL disruption budget check runs
        List<String> violations = violations(custom("Cluster", "edgesync-edge-db",
                cluster -> spec(cluster).put("instances", 1)), ManifestInvariants::postgresDisruptionBudgets);

        // Then it reports the cluster, pointing to enablePDB: false
        assertThat(violations).singleElement().asString().contains("Cluster/edgesync-edge-db", "enablePDB: false");
    }

    @Test
    void serviceThatSelectsNoPodsIsReported() {
        // Given the base whose edge Service selects the component gateway, which no pod has
        // When the selector check runs
        List<String> violations = violations(object(Service.class, "edgesync-edge",
                s -> s.getSpec().getSelector().put("app.kubernetes.io/component", "gateway")),
                ManifestInvariants::selectors);

        // Then it reports that the Service selects no pods
        assertThat(violations).singleElement().asString().contains("Service/edgesync-edge", "selects no pods");
    }

    @Test
    void rolesOnDifferentImagesAreReported() {
        // Given the base with the central Deployment on another image than the edge
        // When the image check runs
        List<String> violations = violations(object(Deployment.class, "edgesync-central",
                d -> container(d).setImage("edgesync-central:1")), ManifestInvariants::images);

        // Then it reports that edge and central must run one image
        assertThat(violations).singleElement().asString().contains("one image");
    }

    @Test
    void writableRootFilesystemIsReported() {
        // Given the base with the edge container's root filesystem writable
        // When the security check runs
        List<String> violations = violations(edge(d -> container(d).getSecurityContext()
                .setReadOnlyRootFilesystem(false)), ManifestInvariants::security);

        // Then it reports that the root filesystem is not read-only
        assertThat(violations).singleElement().asString().contains("read-only");
    }

    @Test
    void memoryLimitBelowTheMeasuredFootprintIsReported() {
        // Given the base with the edge's memory limit at 320 MiB, below the measured footprint
        // When the resource check runs
        List<String> violations = violations(edge(d -> container(d).getResources()
                .getLimits()
                .put("memory", new Quantity("320Mi"))), ManifestInvariants::resources);

        // Then every violation it reports is about the edge Deployment
        assertThat(violations).isNotEmpty().allSatisfy(v -> assertThat(v).contains("Deployment/edgesync-edge"));
        // And one says the limit leaves too little above the measured RSS under load
        assertThat(violations).anySatisfy(v -> assertThat(v).contains("measured RSS under load"));
    }

    @Test
    void replicaCountNextToAnAutoscalerIsReported() {
        // Given the base with the edge Deployment setting its replicas, next to its autoscaler
        // When the reference check runs
        List<String> violations = violations(edge(d -> d.getSpec().setReplicas(2)), ManifestInvariants::references);

        // Then it reports spec.replicas, which the HorizontalPodAutoscaler owns
        assertThat(violations).singleElement().asString().contains("spec.replicas", "HorizontalPodAutoscaler");
    }

    @Test
    void secretInTheManifestsIsReported() {
        // Given the base with a Secret added
        List<HasMetadata> objects = new ArrayList<>(KubernetesManifestsTest.baseObjects());
        objects.add(new SecretBuilder().withNewMetadata().withName("edgesync-secret").endMetadata().build());

        // When the secret check runs
        List<String> violations = violations(objects, ManifestInvariants::secrets);

        // Then it reports the Secret, with how to create it instead of applying it
        assertThat(violations).singleElement()
                .asString()
                .contains("Secret/edgesync-secret", "kubectl apply -k", "kubectl create secret");
    }

    @Test
    void edgeServiceOutsideTheClusterIsReported() {
        // Given the base with the edge Service of type LoadBalancer
        // When the exposure check runs
        List<String> violations = violations(object(Service.class, "edgesync-edge",
                s -> s.getSpec().setType("LoadBalancer")), ManifestInvariants::exposure);

        // Then it reports the Service, which serves plain HTTP outside the cluster
        assertThat(violations).singleElement()
                .asString()
                .contains("Service/edgesync-edge", "LoadBalancer", "plain HTTP");
    }

    @Test
    void ingressHostWithoutACertificateIsReported() {
        // Given the base with an Ingress to the edge whose host has no TLS certificate
        List<HasMetadata> objects = withEdgeIngress(List.of(), "10.0.0.0/8");

        // When the exposure check runs
        List<String> violations = violations(objects, ManifestInvariants::exposure);

        // Then it reports the Ingress and its host without a TLS certificate
        assertThat(violations).singleElement()
                .asString()
                .contains("Ingress/edgesync-edge", "edgesync.example.com", "no TLS certificate");
    }

    @Test
    void ingressWhoseForwardedHeadersTheEdgesIgnoreIsReported() {
        // Given the base with an Ingress to the edge that has a certificate, the edge trusting only the loopback
        List<HasMetadata> objects = withEdgeIngress(List.of(new IngressTLSBuilder().withHosts("edgesync.example.com")
                .withSecretName("edgesync-edge-tls")
                .build()), "127.0.0.1/32");

        // When the exposure check runs
        List<String> violations = violations(objects, ManifestInvariants::exposure);

        // Then it reports the edge Deployment's trusted proxies, with next links that would say http://
        assertThat(violations).singleElement()
                .asString()
                .contains("Deployment/edgesync-edge", "EDGESYNC_SECURITY_TRUSTED_PROXIES", "http://");
    }

    @Test
    void centralReachingTheEdgeCacheIsReported() {
        // Given the base whose edge database policy also lets the central pods in
        // When the network policy check runs
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

        // Then it reports that central may reach the edge database
        assertThat(violations).singleElement()
                .asString()
                .contains("Deployment/edgesync-central may reach",
                        "edgesync-edge-db");
    }

    @Test
    void centralOpenToDevicesIsReported() {
        // Given the base whose central ingress policy allows traffic from anyone
        // When the network policy check runs
        List<String> violations = violations(object(NetworkPolicy.class, "edgesync-central-ingress",
                p -> p.getSpec().getIngress().get(0).setFrom(List.of())), ManifestInvariants::networkPolicies);

        // Then it reports that central is open to everyone
        assertThat(violations).singleElement().asString().contains("central is open to everyone");
    }

    @Test
    void kafkaListenerOpenToEveryPodIsReported() {
        // Given the base whose Kafka listener has no network policy peers
        // When the network policy check runs
        List<String> violations = violations(custom("Kafka", "edgesync-kafka", kafka -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> listener = ((List<Map<String, Object>>) ((Map<String, Object>) spec(kafka).get(
                    "kafka")).get("listeners")).get(0);
            listener.remove("networkPolicyPeers");
        }), ManifestInvariants::networkPolicies);

        // Then it reports that listener, plain, without peers
        assertThat(violations).singleElement().asString().contains("listener plain has no networkPolicyPeers");
    }

    @Test
    void serviceMonitorOnAnotherPathIsReported() {
        // Given the base whose ServiceMonitor scrapes /metrics
        // When the ServiceMonitor check runs
        List<String> violations = violations(custom("ServiceMonitor", "edgesync", monitor -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> endpoint = ((List<Map<String, Object>>) spec(monitor).get("endpoints")).get(0);
            endpoint.put("path", "/metrics");
        }), ManifestInvariants::serviceMonitors);

        // Then it reports the path the application serves, /q/metrics
        assertThat(violations).singleElement().asString().contains("/q/metrics");
    }

    @Test
    void serviceMonitorThatKubePrometheusStackDoesNotSelectIsReported() {
        // Given the base whose ServiceMonitor has no release label
        // When the ServiceMonitor check runs
        List<String> violations = violations(custom("ServiceMonitor", "edgesync",
                monitor -> monitor.getMetadata().getLabels().remove("release")), ManifestInvariants::serviceMonitors);

        // Then it reports the ServiceMonitor and the missing release label
        assertThat(violations).singleElement().asString().contains("ServiceMonitor/edgesync", "release");
    }

    @Test
    void serviceMonitorWithoutATokenForProtectedMetricsIsReported() {
        // Given the base whose ServiceMonitor sends no token
        // When the ServiceMonitor check runs
        List<String> violations = violations(custom("ServiceMonitor", "edgesync", monitor -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> endpoint = ((List<Map<String, Object>>) spec(monitor).get("endpoints")).get(0);
            endpoint.remove("authorization");
        }), ManifestInvariants::serviceMonitors);

        // Then it reports that the metrics need the admin role and no token is sent
        assertThat(violations).singleElement().asString().contains("admin role", "no token");
    }

    @Test
    void theBaseItselfHasNoViolations() {
        // Given the base as it is
        ManifestInvariants invariants = new ManifestInvariants(KubernetesManifestsTest.baseObjects());

        // When every check runs, then none reports a violation
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
