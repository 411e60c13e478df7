package io.edgesync.deployment;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.edgesync.deployment.ConfigKeys.ConfigKey;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressServiceBackend;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;

/**
 * Invariants of a complete set of EdgeSync manifests (the base, or an overlay rendered by kustomize): each check
 * returns its violations, one readable line each, so a failing test says what is wrong where.
 */
final class ManifestInvariants {

    static final String NAME_LABEL = "app.kubernetes.io/name";
    static final String COMPONENT_LABEL = "app.kubernetes.io/component";
    static final String APP_NAME = "edgesync";

    /** Measured on the packaged jar (k8s/base/edge.yaml has the numbers): resident memory idle and under light load. */
    static final long MEASURED_IDLE_RSS_MIB = 277;
    static final long MEASURED_LOADED_RSS_MIB = 336;
    /** Measured committed non-heap memory (metaspace, code cache, symbols, CDS, GC) under light load. */
    static final long MEASURED_NON_HEAP_MIB = 177;
    /** The run-java.sh default when JAVA_MAX_MEM_RATIO is not set. */
    static final int IMAGE_DEFAULT_MAX_MEM_RATIO = 50;

    private static final Set<String> EVENT_TOPIC_KEYS = Set.of("edgesync.events.cud-topic",
            "edgesync.events.changes-topic", "edgesync.events.conflicts-topic", "edgesync.events.heartbeats-topic");
    private static final String CREATE_TOPICS_KEY = "edgesync.events.create-topics";

    private final List<HasMetadata> objects;
    private final List<ConfigKey> keys;
    private final ApplicationFacts app;

    ManifestInvariants(List<HasMetadata> objects) {
        this.objects = List.copyOf(objects);
        this.keys = ConfigKeys.edgeSync();
        this.app = ApplicationFacts.load();
    }

    /** Every check by name, for one dynamic test each. */
    Map<String, Supplier<List<String>>> checks() {
        Map<String, Supplier<List<String>>> checks = new LinkedHashMap<>();
        checks.put("every object lands in the namespace of the EdgeSync pods, which the manifests do not own",
                this::namespaces);
        checks.put("probes use the application's health endpoints and HTTP port", this::probes);
        checks.put("environment variables map to real configuration keys", this::environment);
        checks.put("both roles run with the embedded servers off, each with its own role", this::roles);
        checks.put("Kafka topics match the application's topic settings", this::topics);
        checks.put("topics declared as KafkaTopics are created by the Topic Operator alone", this::topicCreation);
        checks.put("Kafka runs in KRaft mode and EdgeSync points at its bootstrap service", this::kafka);
        checks.put("each role uses its own CloudNativePG cluster with the operator's credentials", this::databases);
        checks.put("PostgreSQL runs the release EdgeSync is tested on", this::postgresImages);
        checks.put("a single PostgreSQL instance does not block node drains", this::postgresDisruptionBudgets);
        checks.put("selectors match pod labels and Services select existing pods", this::selectors);
        checks.put("edge and central run the same image", this::images);
        checks.put("pods are non-root with a read-only root filesystem and /tmp on an emptyDir", this::security);
        checks.put("resources are set and fit the measurements", this::resources);
        checks.put("ConfigMaps, Secrets and scale targets that are referenced exist", this::references);
        checks.put("no Secret is rendered: secrets are created out of band", this::secrets);
        checks.put("devices reach EdgeSync from outside the cluster over TLS only", this::exposure);
        checks.put("network policies: devices reach only edges, only EdgeSync reaches PostgreSQL and Kafka",
                this::networkPolicies);
        checks.put("the ServiceMonitor scrapes the application's metrics endpoint", this::serviceMonitors);
        return checks;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Checks

    /**
     * Kustomize sets the namespace of a kustomization's own resources only: an overlay that adds objects without its
     * own {@code namespace:} would create them in the namespace of the kubectl context. The namespace itself is not
     * part of the manifests: {@code kubectl delete -k} would delete it, with the Strimzi operator installed there and
     * every volume.
     */
    List<String> namespaces() {
        List<String> violations = new ArrayList<>();
        String expected = edgeSyncDeployments().stream()
                .map(d -> d.getMetadata().getNamespace())
                .filter(Objects::nonNull)
                .findFirst()
                .orElse(null);
        for (HasMetadata object : objects) {
            if ("Namespace".equals(object.getKind())) {
                violations.add(describe(object) + " is part of the manifests: kubectl delete -k would delete it with"
                        + " the operator and the volumes in it; create it with kubectl create namespace instead");
            } else if (!Objects.equals(expected, object.getMetadata().getNamespace())) {
                violations.add(describe(object) + ": namespace " + object.getMetadata().getNamespace()
                        + ", the EdgeSync pods run in " + expected);
            }
        }
        return violations;
    }

    List<String> probes() {
        List<String> violations = new ArrayList<>();
        for (Deployment deployment : edgeSyncDeployments()) {
            Container container = mainContainer(deployment);
            String where = describe(deployment);
            Map<String, Integer> ports = container.getPorts() == null
                    ? Map.of()
                    : container.getPorts()
                            .stream()
                            .filter(p -> p.getName() != null)
                            .collect(Collectors.toMap(ContainerPort::getName, ContainerPort::getContainerPort));
            if (!ports.containsValue(app.httpPort())) {
                violations.add(where + ": no container port " + app.httpPort() + " (quarkus.http.port)");
            }
            checkProbe(violations, where, "startupProbe", container.getStartupProbe(), app.startupPath(), ports);
            checkProbe(violations, where, "livenessProbe", container.getLivenessProbe(), app.livenessPath(), ports);
            checkProbe(violations, where, "readinessProbe", container.getReadinessProbe(), app.readinessPath(),
                    ports);
        }
        if (edgeSyncDeployments().isEmpty()) {
            violations.add("no EdgeSync Deployment (label " + NAME_LABEL + "=" + APP_NAME + ")");
        }
        return violations;
    }

    private void checkProbe(List<String> violations, String where, String kind, Probe probe, String path,
            Map<String, Integer> ports) {
        if (probe == null || probe.getHttpGet() == null) {
            violations.add(where + ": no HTTP " + kind);
            return;
        }
        if (!path.equals(probe.getHttpGet().getPath())) {
            violations.add(where + ": " + kind + " path " + probe.getHttpGet().getPath() + ", the application serves "
                    + path);
        }
        Integer port = resolvePort(probe.getHttpGet().getPort(), ports);
        if (port == null || port != app.httpPort()) {
            violations.add(where + ": " + kind + " port " + probe.getHttpGet().getPort() + " is not the HTTP port "
                    + app.httpPort());
        }
    }

    List<String> environment() {
        List<String> violations = new ArrayList<>();
        Map<String, String> sources = new LinkedHashMap<>();
        for (Deployment deployment : edgeSyncDeployments()) {
            for (Container container : deployment.getSpec().getTemplate().getSpec().getContainers()) {
                for (EnvVar env : Optional.ofNullable(container.getEnv()).orElse(List.of())) {
                    sources.put(describe(deployment) + " env " + env.getName(),
                            env.getValue() == null ? null : env.getValue());
                }
                for (EnvFromSource from : Optional.ofNullable(container.getEnvFrom()).orElse(List.of())) {
                    if (from.getPrefix() != null && !from.getPrefix().isEmpty()) {
                        violations.add(describe(deployment) + ": envFrom with a prefix is not supported here");
                    }
                }
            }
        }
        for (ConfigMap configMap : envConfigMaps()) {
            Optional.ofNullable(configMap.getData())
                    .orElse(Map.of())
                    .forEach((name, value) -> sources.put(describe(configMap) + " key " + name, value));
        }
        for (Secret secret : envSecrets()) {
            secretData(secret).forEach((name, value) -> sources.put(describe(secret) + " key " + name, value));
        }
        sources.forEach((where, value) -> {
            String name = where.substring(where.lastIndexOf(' ') + 1);
            violations.addAll(checkVariable(where, name, value));
        });
        return violations;
    }

    /** The violations of one environment variable: its name must be a setting, its value valid for it. */
    List<String> checkVariable(String where, String name, String value) {
        if (name.startsWith("EDGESYNC_")) {
            Optional<ConfigKey> key = keys.stream().filter(k -> k.matchesEnvironmentVariable(name)).findFirst();
            if (key.isEmpty()) {
                return List.of(where + ": no edgesync.* setting is called " + name + " (docs/configuration.md)");
            }
            if (value != null && !ConfigKeys.isValidValue(key.get(), value)) {
                return List.of(where + ": '" + value + "' is not a valid " + key.get().type() + " for "
                        + key.get().name());
            }
            return List.of();
        }
        if (ApplicationFacts.OTHER_KEYS.containsKey(name) || ApplicationFacts.IMAGE_VARIABLES.contains(name)) {
            return List.of();
        }
        return List.of(where + ": " + name + " is neither an edgesync.* setting nor a known Quarkus, Kafka or image"
                + " variable (ApplicationFacts)");
    }

    List<String> roles() {
        List<String> violations = new ArrayList<>();
        Map<String, List<Deployment>> byRole = edgeSyncDeployments().stream()
                .collect(Collectors.groupingBy(d -> String.valueOf(podLabels(d).get(COMPONENT_LABEL))));
        for (String role : List.of("edge", "central")) {
            if (byRole.getOrDefault(role, List.of()).size() != 1) {
                violations.add("expected one " + role + " Deployment, found "
                        + byRole.getOrDefault(role, List.of()).size());
            }
        }
        for (Deployment deployment : edgeSyncDeployments()) {
            Map<String, String> env = effectiveEnvironment(deployment);
            String component = podLabels(deployment).get(COMPONENT_LABEL);
            if (!Objects.equals(env.get("EDGESYNC_ROLE"), component)) {
                violations.add(describe(deployment) + ": EDGESYNC_ROLE=" + env.get("EDGESYNC_ROLE") + " but "
                        + COMPONENT_LABEL + "=" + component);
            }
            if (!"false".equals(env.get("EDGESYNC_EMBEDDED_ENABLED"))) {
                violations.add(describe(deployment) + ": EDGESYNC_EMBEDDED_ENABLED must be false in a pod, is "
                        + env.get("EDGESYNC_EMBEDDED_ENABLED"));
            }
        }
        return violations;
    }

    List<String> topics() {
        List<String> violations = new ArrayList<>();
        List<GenericKubernetesResource> topics = custom("KafkaTopic");
        Map<String, GenericKubernetesResource> byTopicName = new LinkedHashMap<>();
        for (GenericKubernetesResource topic : topics) {
            String name = Manifests.field(topic, "spec.topicName")
                    .map(String::valueOf)
                    .orElse(topic.getMetadata().getName());
            byTopicName.put(name, topic);
            String cluster = label(topic, "strimzi.io/cluster");
            Optional<GenericKubernetesResource> kafka = named(custom("Kafka"), cluster);
            if (kafka.isEmpty()) {
                violations.add(describe(topic) + ": strimzi.io/cluster=" + cluster + " names no Kafka");
                continue;
            }
            int partitions = intField(topic, "spec.partitions").orElse(0);
            if (partitions < 1) {
                violations.add(describe(topic) + ": needs spec.partitions >= 1");
            }
            int replicas = intField(topic, "spec.replicas").orElse(0);
            int brokers = brokers(cluster);
            if (replicas < 1 || replicas > brokers) {
                violations.add(describe(topic) + ": spec.replicas " + replicas + " but the cluster has " + brokers
                        + " broker(s)");
            }
            // Config keys contain dots, so read the config map itself rather than a dotted path.
            Object config = Manifests.field(topic, "spec.config").orElse(Map.of());
            if (config instanceof Map<?, ?> map && map.get("min.insync.replicas") != null) {
                int minIsr = Integer.parseInt(String.valueOf(map.get("min.insync.replicas")));
                if (minIsr > replicas) {
                    violations.add(describe(topic) + ": min.insync.replicas " + minIsr + " > replicas " + replicas
                            + " (no write would ever succeed)");
                }
            }
        }
        Map<String, String> env = sharedEnvironment();
        for (String key : EVENT_TOPIC_KEYS) {
            String variable = ConfigKeys.toEnvironmentVariable(key);
            String expected = Optional.ofNullable(env.get(variable))
                    .or(() -> ConfigKeys.defaultOf(keys, key))
                    .orElse(null);
            if (expected == null) {
                violations.add(key + " has no default and is not set: the application no longer has this topic key?");
                continue;
            }
            if (!byTopicName.containsKey(expected)) {
                violations.add("no KafkaTopic for " + key + " = " + expected + " (topics: " + byTopicName.keySet()
                        + ")");
            }
        }
        String changes = Optional.ofNullable(env.get("EDGESYNC_EVENTS_CHANGES_TOPIC"))
                .or(() -> ConfigKeys.defaultOf(keys, "edgesync.events.changes-topic"))
                .orElse("edgesync.changes");
        Optional.ofNullable(byTopicName.get(changes)).ifPresent(topic -> {
            Object config = Manifests.field(topic, "spec.config").orElse(Map.of());
            Object policy = config instanceof Map<?, ?> map ? map.get("cleanup.policy") : null;
            if (policy == null || !String.valueOf(policy).contains("compact")) {
                violations.add(describe(topic) + ": the change stream must be compacted (cleanup.policy: compact)");
            }
        });
        return violations;
    }

    /**
     * Where KafkaTopics declare the topics, the application must not create them too: it races the Topic Operator and,
     * when it wins, the topic gets the broker's defaults (replication factor, partitions) instead of the declared ones.
     */
    List<String> topicCreation() {
        List<String> violations = new ArrayList<>();
        if (custom("KafkaTopic").isEmpty()) {
            return violations;
        }
        String variable = ConfigKeys.toEnvironmentVariable(CREATE_TOPICS_KEY);
        String applicationDefault = ConfigKeys.defaultOf(keys, CREATE_TOPICS_KEY).orElse("true");
        for (Deployment deployment : edgeSyncDeployments()) {
            String value = effectiveEnvironment(deployment).getOrDefault(variable, applicationDefault);
            if (!"false".equalsIgnoreCase(value)) {
                violations.add(describe(deployment) + ": " + variable + "=" + value + " while KafkaTopics declare the"
                        + " topics; the application would race the Topic Operator and create them with other"
                        + " partitions and replicas (set it to false)");
            }
        }
        return violations;
    }

    List<String> kafka() {
        List<String> violations = new ArrayList<>();
        List<GenericKubernetesResource> clusters = custom("Kafka");
        if (clusters.size() != 1) {
            violations.add("expected one Strimzi Kafka, found " + clusters.size());
            return violations;
        }
        GenericKubernetesResource kafka = clusters.get(0);
        String name = kafka.getMetadata().getName();
        if (Manifests.field(kafka, "spec.zookeeper").isPresent()) {
            violations.add(describe(kafka) + ": has spec.zookeeper; EdgeSync's Kafka runs in KRaft mode");
        }
        Set<String> roles = custom("KafkaNodePool").stream()
                .filter(pool -> name.equals(label(pool, "strimzi.io/cluster")))
                .flatMap(pool -> listField(pool, "spec.roles").stream())
                .map(String::valueOf)
                .collect(Collectors.toSet());
        if (!roles.containsAll(Set.of("controller", "broker"))) {
            violations.add(describe(kafka) + ": KafkaNodePools must provide the controller and broker roles (KRaft),"
                    + " have " + roles);
        }
        for (GenericKubernetesResource pool : custom("KafkaNodePool")) {
            if (named(clusters, label(pool, "strimzi.io/cluster")).isEmpty()) {
                violations.add(describe(pool) + ": strimzi.io/cluster names no Kafka");
            }
        }
        Set<Integer> listenerPorts = listField(kafka, "spec.kafka.listeners").stream()
                .map(listener -> ((Map<?, ?>) listener).get("port"))
                .map(port -> Integer.parseInt(String.valueOf(port)))
                .collect(Collectors.toSet());
        for (Deployment deployment : edgeSyncDeployments()) {
            String bootstrap = effectiveEnvironment(deployment).get("KAFKA_BOOTSTRAP_SERVERS");
            if (bootstrap == null) {
                violations.add(describe(deployment) + ": no KAFKA_BOOTSTRAP_SERVERS");
                continue;
            }
            for (String server : bootstrap.split(",")) {
                String[] hostPort = server.trim().split(":");
                String host = hostPort[0].split("\\.")[0];
                int port = hostPort.length > 1 ? Integer.parseInt(hostPort[1]) : -1;
                if (!host.equals(name + "-kafka-bootstrap") || !listenerPorts.contains(port)) {
                    violations.add(describe(deployment) + ": KAFKA_BOOTSTRAP_SERVERS " + server + " is not "
                            + name + "-kafka-bootstrap on a listener port " + listenerPorts);
                }
            }
        }
        return violations;
    }

    List<String> databases() {
        List<String> violations = new ArrayList<>();
        List<GenericKubernetesResource> clusters = custom("Cluster");
        Map<String, String> clusterByRole = new LinkedHashMap<>();
        for (Deployment deployment : edgeSyncDeployments()) {
            Container container = mainContainer(deployment);
            Map<String, String> env = effectiveEnvironment(deployment);
            String url = env.get("QUARKUS_DATASOURCE_REACTIVE_URL");
            if (url == null) {
                violations.add(describe(deployment) + ": no QUARKUS_DATASOURCE_REACTIVE_URL");
                continue;
            }
            URI uri = URI.create(url);
            String host = uri.getHost() == null ? "" : uri.getHost().split("\\.")[0];
            String clusterName = host.endsWith("-rw") ? host.substring(0, host.length() - 3) : host;
            Optional<GenericKubernetesResource> cluster = named(clusters, clusterName);
            if (cluster.isEmpty() || !host.endsWith("-rw")) {
                violations.add(describe(deployment) + ": " + url + " is not the -rw service of a CloudNativePG"
                        + " Cluster " + names(clusters));
                continue;
            }
            String database = Manifests.field(cluster.get(), "spec.bootstrap.initdb.database")
                    .map(String::valueOf)
                    .orElse("app");
            if (!uri.getPath().equals("/" + database)) {
                violations.add(describe(deployment) + ": database " + uri.getPath() + " but " + describe(cluster.get())
                        + " creates " + database);
            }
            for (String variable : List.of("QUARKUS_DATASOURCE_USERNAME", "QUARKUS_DATASOURCE_PASSWORD")) {
                Optional<EnvVar> env2 = Optional.ofNullable(container.getEnv())
                        .orElse(List.of())
                        .stream()
                        .filter(e -> e.getName().equals(variable))
                        .findFirst();
                String expectedSecret = clusterName + "-app";
                boolean fromOperator = env2.map(EnvVar::getValueFrom)
                        .map(from -> from.getSecretKeyRef())
                        .filter(ref -> expectedSecret.equals(ref.getName()))
                        .isPresent();
                if (!fromOperator) {
                    violations.add(describe(deployment) + ": " + variable + " must come from the secret "
                            + expectedSecret + " that CloudNativePG generates");
                }
            }
            String role = podLabels(deployment).get(COMPONENT_LABEL);
            String previous = clusterByRole.values().stream().filter(clusterName::equals).findFirst().orElse(null);
            if (previous != null) {
                violations.add(describe(deployment) + ": shares the database cluster " + clusterName
                        + " with another role; edge cache and central master are separate");
            }
            clusterByRole.put(role, clusterName);
        }
        return violations;
    }

    /**
     * Without {@code spec.imageName} CloudNativePG runs its own default PostgreSQL, which moves with the operator (18
     * from 1.28 on): the clusters name an image of the release the tests run.
     */
    List<String> postgresImages() {
        List<String> violations = new ArrayList<>();
        String tested = app.postgresVersion();
        for (GenericKubernetesResource cluster : custom("Cluster")) {
            Optional<String> image = Manifests.field(cluster, "spec.imageName").map(String::valueOf);
            String tag = image.map(i -> i.substring(i.lastIndexOf('/') + 1))
                    .map(i -> i.replaceFirst("@.*", ""))
                    .map(i -> i.contains(":") ? i.substring(i.indexOf(':') + 1) : "")
                    .orElse("");
            if (!tag.equals(tested) && !tag.startsWith(tested + "-")) {
                violations.add(describe(cluster) + ": spec.imageName " + image.orElse("(the operator's default)")
                        + " is not PostgreSQL " + tested + ", the release EdgeSync is tested on (pom.xml"
                        + " postgres-binaries.version)");
            }
        }
        return violations;
    }

    /**
     * CloudNativePG gives the primary a PodDisruptionBudget that allows no eviction; with a single instance nothing can
     * take over, so every node drain stalls on it unless {@code spec.enablePDB} is false.
     */
    List<String> postgresDisruptionBudgets() {
        return custom("Cluster").stream()
                .filter(cluster -> intField(cluster, "spec.instances").orElse(1) == 1)
                .filter(cluster -> !"false".equals(Manifests.field(cluster, "spec.enablePDB")
                        .map(String::valueOf)
                        .orElse("true")))
                .map(cluster -> describe(cluster) + ": one instance with CloudNativePG's primary PodDisruptionBudget"
                        + " blocks every node drain (set spec.enablePDB: false)")
                .toList();
    }

    List<String> selectors() {
        List<String> violations = new ArrayList<>();
        for (Deployment deployment : deployments()) {
            Map<String, String> selector = matchLabels(deployment.getSpec().getSelector());
            if (selector.isEmpty() || !selects(selector, podLabels(deployment))) {
                violations.add(describe(deployment) + ": selector " + selector + " does not match its pod labels "
                        + podLabels(deployment));
            }
        }
        for (Service service : ofType(Service.class)) {
            Map<String, String> selector = Optional.ofNullable(service.getSpec().getSelector()).orElse(Map.of());
            List<Deployment> selected = deployments().stream()
                    .filter(d -> selects(selector, podLabels(d)))
                    .toList();
            if (selector.isEmpty() || selected.isEmpty()) {
                violations.add(describe(service) + ": selector " + selector + " selects no pods");
                continue;
            }
            if (selected.size() > 1) {
                violations.add(describe(service) + ": selects pods of " + selected.size() + " Deployments");
            }
            for (ServicePort port : service.getSpec().getPorts()) {
                for (Deployment deployment : selected) {
                    Map<String, Integer> ports = namedPorts(mainContainer(deployment));
                    if (resolvePort(port.getTargetPort(), ports) == null) {
                        violations.add(describe(service) + ": targetPort " + port.getTargetPort()
                                + " is no port of " + describe(deployment));
                    }
                }
            }
        }
        for (PodDisruptionBudget budget : ofType(PodDisruptionBudget.class)) {
            Map<String, String> selector = matchLabels(budget.getSpec().getSelector());
            if (selector.isEmpty() || deployments().stream().noneMatch(d -> selects(selector, podLabels(d)))) {
                violations.add(describe(budget) + ": selector " + selector + " selects no pods");
            }
        }
        return violations;
    }

    List<String> images() {
        List<String> violations = new ArrayList<>();
        Set<String> images = edgeSyncDeployments().stream()
                .map(d -> mainContainer(d).getImage())
                .collect(Collectors.toSet());
        if (images.size() != 1) {
            violations.add("edge and central must run one image, found " + images);
        }
        images.stream()
                .filter(image -> image == null || image.isBlank())
                .forEach(image -> violations.add("an EdgeSync container has no image"));
        for (Deployment deployment : deployments()) {
            for (Container container : deployment.getSpec().getTemplate().getSpec().getContainers()) {
                if (container.getImage() != null && container.getImage().endsWith(":latest")
                        && !"Always".equals(container.getImagePullPolicy())
                        && !"IfNotPresent".equals(container.getImagePullPolicy())) {
                    violations.add(describe(deployment) + ": image " + container.getImage()
                            + " without an explicit pull policy");
                }
            }
        }
        return violations;
    }

    List<String> security() {
        List<String> violations = new ArrayList<>();
        for (Deployment deployment : deployments()) {
            PodSpec pod = deployment.getSpec().getTemplate().getSpec();
            String where = describe(deployment);
            boolean podNonRoot = pod.getSecurityContext() != null
                    && Boolean.TRUE.equals(pod.getSecurityContext().getRunAsNonRoot());
            if (pod.getSecurityContext() != null && Long.valueOf(0).equals(pod.getSecurityContext().getRunAsUser())) {
                violations.add(where + ": runs as user 0");
            }
            Map<String, Volume> volumes = Optional.ofNullable(pod.getVolumes())
                    .orElse(List.of())
                    .stream()
                    .collect(Collectors.toMap(Volume::getName, v -> v));
            for (Container container : pod.getContainers()) {
                var context = container.getSecurityContext();
                boolean nonRoot = podNonRoot || (context != null && Boolean.TRUE.equals(context.getRunAsNonRoot()));
                if (!nonRoot) {
                    violations.add(where + "/" + container.getName() + ": runAsNonRoot is not true");
                }
                if (context == null || !Boolean.TRUE.equals(context.getReadOnlyRootFilesystem())) {
                    violations.add(where + "/" + container.getName() + ": root filesystem is not read-only");
                }
                if (context == null || !Boolean.FALSE.equals(context.getAllowPrivilegeEscalation())) {
                    violations.add(where + "/" + container.getName() + ": allowPrivilegeEscalation is not false");
                }
                if (context == null || context.getCapabilities() == null
                        || context.getCapabilities().getDrop() == null
                        || !context.getCapabilities().getDrop().contains("ALL")) {
                    violations.add(where + "/" + container.getName() + ": capabilities do not drop ALL");
                }
                Optional<VolumeMount> tmp = Optional.ofNullable(container.getVolumeMounts())
                        .orElse(List.of())
                        .stream()
                        .filter(m -> "/tmp".equals(m.getMountPath()))
                        .findFirst();
                if (tmp.isEmpty() || volumes.get(tmp.get().getName()) == null
                        || volumes.get(tmp.get().getName()).getEmptyDir() == null) {
                    violations.add(where + "/" + container.getName() + ": /tmp is not an emptyDir volume");
                }
            }
        }
        return violations;
    }

    List<String> resources() {
        List<String> violations = new ArrayList<>();
        for (Deployment deployment : deployments()) {
            for (Container container : deployment.getSpec().getTemplate().getSpec().getContainers()) {
                String where = describe(deployment) + "/" + container.getName();
                var resources = container.getResources();
                Map<String, Quantity> requests = resources == null || resources.getRequests() == null
                        ? Map.of()
                        : resources.getRequests();
                Map<String, Quantity> limits = resources == null || resources.getLimits() == null
                        ? Map.of()
                        : resources.getLimits();
                for (String resource : List.of("cpu", "memory")) {
                    if (!requests.containsKey(resource) || !limits.containsKey(resource)) {
                        violations.add(where + ": needs a " + resource + " request and limit");
                    } else if (requests.get(resource)
                            .getNumericalAmount()
                            .compareTo(limits.get(resource).getNumericalAmount()) > 0) {
                        violations.add(where + ": " + resource + " request above its limit");
                    }
                }
                if (!limits.containsKey("memory") || !requests.containsKey("memory")) {
                    continue;
                }
                long limitMib = mib(limits.get("memory"));
                long requestMib = mib(requests.get("memory"));
                int ratio = Optional.ofNullable(effectiveEnvironment(deployment).get("JAVA_MAX_MEM_RATIO"))
                        .map(Integer::parseInt)
                        .orElse(IMAGE_DEFAULT_MAX_MEM_RATIO);
                long heapMib = limitMib * ratio / 100;
                if (requestMib < MEASURED_IDLE_RSS_MIB) {
                    violations.add(where + ": memory request " + requestMib + " MiB is below the measured idle RSS "
                            + MEASURED_IDLE_RSS_MIB + " MiB");
                }
                if (limitMib < MEASURED_LOADED_RSS_MIB * 12 / 10) {
                    violations.add(where + ": memory limit " + limitMib + " MiB leaves less than 20 % above the"
                            + " measured RSS under load (" + MEASURED_LOADED_RSS_MIB + " MiB)");
                }
                if (heapMib < 128) {
                    violations.add(where + ": heap cap " + heapMib + " MiB (" + ratio + " % of " + limitMib
                            + " MiB) is below 128 MiB");
                }
                if (limitMib - heapMib < MEASURED_NON_HEAP_MIB + 96) {
                    violations.add(where + ": " + (limitMib - heapMib) + " MiB outside the heap; measured non-heap"
                            + " is " + MEASURED_NON_HEAP_MIB + " MiB plus threads and buffers");
                }
            }
        }
        return violations;
    }

    List<String> references() {
        List<String> violations = new ArrayList<>();
        Set<String> configMaps = names(ofType(ConfigMap.class));
        Set<String> secrets = names(ofType(Secret.class));
        Set<String> operatorSecrets = custom("Cluster").stream()
                .map(c -> c.getMetadata().getName() + "-app")
                .collect(Collectors.toSet());
        for (Deployment deployment : deployments()) {
            for (Container container : deployment.getSpec().getTemplate().getSpec().getContainers()) {
                for (EnvFromSource from : Optional.ofNullable(container.getEnvFrom()).orElse(List.of())) {
                    if (from.getConfigMapRef() != null && !configMaps.contains(from.getConfigMapRef().getName())
                            && !Boolean.TRUE.equals(from.getConfigMapRef().getOptional())) {
                        violations.add(describe(deployment) + ": envFrom ConfigMap " + from.getConfigMapRef()
                                .getName() + " does not exist");
                    }
                    if (from.getSecretRef() != null && !secrets.contains(from.getSecretRef().getName())
                            && !Boolean.TRUE.equals(from.getSecretRef().getOptional())) {
                        violations.add(describe(deployment) + ": envFrom Secret " + from.getSecretRef().getName()
                                + " does not exist");
                    }
                }
                for (EnvVar env : Optional.ofNullable(container.getEnv()).orElse(List.of())) {
                    if (env.getValueFrom() == null || env.getValueFrom().getSecretKeyRef() == null) {
                        continue;
                    }
                    var ref = env.getValueFrom().getSecretKeyRef();
                    boolean operator = operatorSecrets.contains(ref.getName())
                            && Set.of("username", "password", "host", "port", "dbname", "uri", "jdbc-uri")
                                    .contains(ref.getKey());
                    if (!operator && !secrets.contains(ref.getName())) {
                        violations.add(describe(deployment) + ": " + env.getName() + " reads secret " + ref.getName()
                                + "/" + ref.getKey() + ", which neither exists nor is a CloudNativePG app secret");
                    }
                }
            }
        }
        for (HorizontalPodAutoscaler hpa : ofType(HorizontalPodAutoscaler.class)) {
            var target = hpa.getSpec().getScaleTargetRef();
            Optional<Deployment> deployment = deployments().stream()
                    .filter(d -> "Deployment".equals(target.getKind()))
                    .filter(d -> d.getMetadata().getName().equals(target.getName()))
                    .findFirst();
            if (deployment.isEmpty()) {
                violations.add(describe(hpa) + ": scales " + target.getKind() + "/" + target.getName()
                        + ", which does not exist");
            } else if (deployment.get().getSpec().getReplicas() != null) {
                violations.add(describe(deployment.get()) + ": sets spec.replicas although " + describe(hpa)
                        + " owns the count (every apply would reset it)");
            }
            if (hpa.getSpec().getMinReplicas() == null
                    || hpa.getSpec().getMinReplicas() > hpa.getSpec().getMaxReplicas()) {
                violations.add(describe(hpa) + ": minReplicas must be set and not above maxReplicas");
            }
        }
        boolean edgeScaled = ofType(HorizontalPodAutoscaler.class).stream()
                .anyMatch(hpa -> edgeSyncDeployments().stream()
                        .filter(d -> "edge".equals(podLabels(d).get(COMPONENT_LABEL)))
                        .anyMatch(d -> d.getMetadata().getName().equals(hpa.getSpec().getScaleTargetRef().getName())));
        if (!edgeScaled) {
            violations.add("no HorizontalPodAutoscaler scales the edge Deployment");
        }
        for (Deployment deployment : edgeSyncDeployments()) {
            boolean budgeted = ofType(PodDisruptionBudget.class).stream()
                    .anyMatch(b -> selects(matchLabels(b.getSpec().getSelector()), podLabels(deployment)));
            if (!budgeted) {
                violations.add(describe(deployment) + ": no PodDisruptionBudget");
            }
        }
        return violations;
    }

    /**
     * Secrets are the user's (created with kubectl, read as optional) or an operator's, never part of the manifests: a
     * rendered Secret belongs to {@code kubectl apply -k}, whose three-way merge against the last applied configuration
     * deletes every key added to it by hand at the next apply.
     */
    List<String> secrets() {
        return ofType(Secret.class).stream()
                .map(secret -> describe(secret)
                        + " is part of the manifests: the next kubectl apply -k deletes the keys"
                        + " added to it out of band; leave it out and create it with kubectl create secret")
                .toList();
    }

    /**
     * Tokens travel with every device request: nothing may serve EdgeSync outside the cluster in plain HTTP. A Service
     * of type LoadBalancer or NodePort does; an Ingress must terminate TLS for every host it routes, and the edges must
     * trust its controller's forwarded headers, or next links would say {@code http://}.
     */
    List<String> exposure() {
        List<String> violations = new ArrayList<>();
        List<Service> services = ofType(Service.class).stream()
                .filter(s -> !selectedDeployments(s).isEmpty())
                .toList();
        for (Service service : services) {
            String type = service.getSpec().getType();
            if ("LoadBalancer".equals(type) || "NodePort".equals(type)) {
                violations.add(describe(service) + ": type " + type + " serves plain HTTP outside the cluster, tokens"
                        + " in clear text; let an Ingress with TLS route to it instead");
            }
        }
        for (Ingress ingress : ofType(Ingress.class)) {
            List<IngressServiceBackend> backends = Optional.ofNullable(ingress.getSpec().getRules())
                    .orElse(List.of())
                    .stream()
                    .filter(rule -> rule.getHttp() != null)
                    .flatMap(rule -> rule.getHttp().getPaths().stream())
                    .map(path -> path.getBackend().getService())
                    .filter(Objects::nonNull)
                    .toList();
            List<Service> routed = services.stream()
                    .filter(s -> backends.stream().anyMatch(b -> b.getName().equals(s.getMetadata().getName())))
                    .toList();
            if (routed.isEmpty()) {
                continue;
            }
            if (ingress.getSpec().getDefaultBackend() != null) {
                violations.add(describe(ingress) + ": a default backend answers every host, with no certificate for"
                        + " it");
            }
            Set<String> tlsHosts = Optional.ofNullable(ingress.getSpec().getTls())
                    .orElse(List.of())
                    .stream()
                    .filter(tls -> tls.getSecretName() != null && !tls.getSecretName().isBlank())
                    .flatMap(tls -> Optional.ofNullable(tls.getHosts()).orElse(List.of()).stream())
                    .collect(Collectors.toSet());
            for (var rule : Optional.ofNullable(ingress.getSpec().getRules()).orElse(List.of())) {
                if (rule.getHost() == null || !tlsHosts.contains(rule.getHost())) {
                    violations.add(describe(ingress) + ": host " + rule.getHost() + " has no TLS certificate (spec.tls"
                            + " with the host and a secretName): devices would send tokens in clear text");
                }
            }
            for (Service service : routed) {
                for (Deployment deployment : selectedDeployments(service)) {
                    String proxies = effectiveEnvironment(deployment).getOrDefault("EDGESYNC_SECURITY_TRUSTED_PROXIES",
                            "127.0.0.1/32");
                    boolean onlyLoopback = Stream.of(proxies.split(","))
                            .map(String::trim)
                            .allMatch(p -> p.startsWith("127.") || p.startsWith("::1"));
                    if (onlyLoopback) {
                        violations.add(describe(deployment) + ": behind " + describe(ingress) + " it trusts the"
                                + " forwarded headers of the loopback only (EDGESYNC_SECURITY_TRUSTED_PROXIES="
                                + proxies + "): next links would say http:// and every device would count as the"
                                + " controller's address");
                    }
                }
            }
        }
        return violations;
    }

    List<String> networkPolicies() {
        List<String> violations = new ArrayList<>();
        List<NetworkPolicy> policies = ofType(NetworkPolicy.class);
        boolean defaultDeny = policies.stream()
                .anyMatch(p -> matchLabels(p.getSpec().getPodSelector()).isEmpty()
                        && (p.getSpec().getPodSelector() == null
                                || p.getSpec().getPodSelector().getMatchExpressions() == null
                                || p.getSpec().getPodSelector().getMatchExpressions().isEmpty())
                        && p.getSpec().getPolicyTypes() != null && p.getSpec().getPolicyTypes().contains("Ingress")
                        && (p.getSpec().getIngress() == null || p.getSpec().getIngress().isEmpty()));
        if (!defaultDeny) {
            violations.add("no default-deny ingress NetworkPolicy (podSelector {} without ingress rules)");
        }
        List<Map<String, String>> pods = podLabelSets();
        for (NetworkPolicy policy : policies) {
            Map<String, String> selector = matchLabels(policy.getSpec().getPodSelector());
            if (!selector.isEmpty() && pods.stream().noneMatch(labels -> selects(selector, labels))) {
                violations.add(describe(policy) + ": podSelector " + selector + " selects no pods of these manifests");
            }
            for (NetworkPolicyIngressRule rule : Optional.ofNullable(policy.getSpec().getIngress())
                    .orElse(List.of())) {
                for (NetworkPolicyPeer peer : Optional.ofNullable(rule.getFrom()).orElse(List.of())) {
                    if (peer.getNamespaceSelector() == null && peer.getPodSelector() != null) {
                        Map<String, String> from = matchLabels(peer.getPodSelector());
                        if (pods.stream().noneMatch(labels -> selects(from, labels))) {
                            violations.add(describe(policy) + ": ingress from " + from + " selects no pods");
                        }
                    }
                }
            }
        }
        for (Deployment deployment : edgeSyncDeployments()) {
            String role = podLabels(deployment).get(COMPONENT_LABEL);
            List<NetworkPolicyIngressRule> rules = rulesFor(podLabels(deployment));
            boolean openToAll = rules.stream()
                    .anyMatch(r -> (r.getFrom() == null || r.getFrom().isEmpty()) && allowsPort(r, app.httpPort()));
            if ("edge".equals(role) && !openToAll) {
                violations.add(describe(deployment) + ": devices cannot reach the edge on " + app.httpPort());
            }
            if (!"edge".equals(role) && openToAll) {
                violations.add(describe(deployment) + ": " + role + " is open to everyone; only edges serve devices");
            }
            if ("central".equals(role)) {
                // the API for edges (/central/v1/*): the edges reach it, nobody else but monitoring
                boolean fromEdges = edgeSyncDeployments().stream()
                        .filter(other -> "edge".equals(podLabels(other).get(COMPONENT_LABEL)))
                        .allMatch(edge -> rules.stream()
                                .filter(r -> allowsPort(r, app.httpPort()))
                                .anyMatch(r -> r.getFrom() != null && r.getFrom()
                                        .stream()
                                        .anyMatch(peer -> peer.getNamespaceSelector() == null
                                                && peer.getPodSelector() != null
                                                && selects(matchLabels(peer.getPodSelector()), podLabels(edge)))));
                if (!fromEdges) {
                    violations.add(describe(deployment) + ": the edges cannot reach central's API for edges on "
                            + app.httpPort());
                }
            }
            boolean otherPorts = rules.stream()
                    .anyMatch(r -> r.getPorts() == null || r.getPorts().isEmpty()
                            || r.getPorts().stream().anyMatch(p -> !isPort(p, app.httpPort())));
            if (otherPorts) {
                violations.add(describe(deployment) + ": ingress allows more than port " + app.httpPort());
            }
        }
        // Each PostgreSQL cluster: reachable on 5432 from the EdgeSync pods that use it and from no other EdgeSync pod.
        for (GenericKubernetesResource cluster : custom("Cluster")) {
            Map<String, String> dbPod = Map.of("cnpg.io/cluster", cluster.getMetadata().getName());
            List<NetworkPolicyIngressRule> rules = rulesFor(dbPod);
            for (Deployment deployment : edgeSyncDeployments()) {
                String url = effectiveEnvironment(deployment).getOrDefault("QUARKUS_DATASOURCE_REACTIVE_URL", "");
                boolean uses = url.contains("//" + cluster.getMetadata().getName() + "-rw");
                boolean allowed = rules.stream()
                        .filter(r -> allowsPort(r, 5432))
                        .anyMatch(r -> r.getFrom() == null || r.getFrom().isEmpty() || r.getFrom()
                                .stream()
                                .anyMatch(peer -> peer.getNamespaceSelector() == null && peer.getPodSelector() != null
                                        && selects(matchLabels(peer.getPodSelector()), podLabels(deployment))));
                if (uses && !allowed) {
                    violations.add(describe(deployment) + " cannot reach its database " + describe(cluster));
                }
                if (!uses && allowed) {
                    violations.add(describe(deployment) + " may reach " + describe(cluster) + ", which is not its"
                            + " database");
                }
            }
            boolean openToAll = rules.stream().anyMatch(r -> r.getFrom() == null || r.getFrom().isEmpty());
            if (openToAll) {
                violations.add(describe(cluster) + ": PostgreSQL is open to every pod");
            }
        }
        // Kafka: Strimzi generates the listener NetworkPolicies from networkPolicyPeers.
        for (GenericKubernetesResource kafka : custom("Kafka")) {
            for (Object listener : listField(kafka, "spec.kafka.listeners")) {
                Map<?, ?> map = (Map<?, ?>) listener;
                Object peers = map.get("networkPolicyPeers");
                if (!(peers instanceof List<?> list) || list.isEmpty()) {
                    violations.add(describe(kafka) + ": listener " + map.get("name")
                            + " has no networkPolicyPeers (open to every pod)");
                    continue;
                }
                for (Object peer : list) {
                    Map<?, ?> peerMap = (Map<?, ?>) peer;
                    Object podSelector = peerMap.get("podSelector");
                    Map<String, String> labels = podSelector instanceof Map<?, ?> ps
                            && ps.get("matchLabels") instanceof Map<?, ?> ml
                                    ? ml.entrySet()
                                            .stream()
                                            .collect(Collectors.toMap(e -> String.valueOf(e.getKey()),
                                                    e -> String.valueOf(e.getValue())))
                                    : Map.of();
                    boolean onlyEdgeSync = peerMap.get("namespaceSelector") == null && !labels.isEmpty()
                            && pods.stream()
                                    .filter(l -> selects(labels, l))
                                    .allMatch(l -> APP_NAME.equals(l.get(NAME_LABEL)))
                            && edgeSyncDeployments().stream().allMatch(d -> selects(labels, podLabels(d)));
                    if (!onlyEdgeSync) {
                        violations.add(describe(kafka) + ": listener " + map.get("name") + " peer " + peer
                                + " must select exactly the EdgeSync pods");
                    }
                }
            }
        }
        return violations;
    }

    List<String> serviceMonitors() {
        List<String> violations = new ArrayList<>();
        for (GenericKubernetesResource monitor : custom("ServiceMonitor")) {
            if (label(monitor, "release") == null) {
                violations.add(describe(monitor) + ": no release label; a kube-prometheus-stack Prometheus selects"
                        + " only ServiceMonitors labelled release=<its Helm release>");
            }
            Object selector = Manifests.field(monitor, "spec.selector.matchLabels").orElse(Map.of());
            Map<String, String> labels = ((Map<?, ?>) selector).entrySet()
                    .stream()
                    .collect(Collectors.toMap(e -> String.valueOf(e.getKey()), e -> String.valueOf(e.getValue())));
            List<Service> services = ofType(Service.class).stream()
                    .filter(s -> selects(labels, Optional.ofNullable(s.getMetadata().getLabels()).orElse(Map.of())))
                    .toList();
            if (labels.isEmpty() || services.isEmpty()) {
                violations.add(describe(monitor) + ": selector " + labels + " selects no Service");
            }
            boolean metricsOpen = edgeSyncDeployments().stream()
                    .allMatch(d -> "permit".equals(effectiveEnvironment(d).get(
                            "QUARKUS_HTTP_AUTH_PERMISSION_METRICS_POLICY")));
            for (Object endpoint : listField(monitor, "spec.endpoints")) {
                Map<?, ?> map = (Map<?, ?>) endpoint;
                if (!metricsOpen && map.get("authorization") == null && map.get("bearerTokenSecret") == null) {
                    violations.add(describe(monitor) + ": /q/metrics needs the admin role, but the endpoint sends no"
                            + " token (authorization)");
                }
                if (!app.metricsPath().equals(map.get("path"))) {
                    violations.add(describe(monitor) + ": path " + map.get("path") + ", the application serves "
                            + app.metricsPath());
                }
                for (Service service : services) {
                    boolean hasPort = service.getSpec()
                            .getPorts()
                            .stream()
                            .anyMatch(p -> Objects.equals(p.getName(), map.get("port")));
                    if (!hasPort) {
                        violations.add(describe(monitor) + ": " + describe(service) + " has no port named "
                                + map.get("port"));
                    }
                }
            }
        }
        return violations;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Helpers

    <T extends HasMetadata> List<T> ofType(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    List<GenericKubernetesResource> custom(String kind) {
        return objects.stream()
                .filter(o -> o instanceof GenericKubernetesResource && kind.equals(o.getKind()))
                .map(GenericKubernetesResource.class::cast)
                .toList();
    }

    List<Deployment> deployments() {
        return ofType(Deployment.class);
    }

    List<Deployment> edgeSyncDeployments() {
        return deployments().stream().filter(d -> APP_NAME.equals(podLabels(d).get(NAME_LABEL))).toList();
    }

    private List<Deployment> selectedDeployments(Service service) {
        Map<String, String> selector = Optional.ofNullable(service.getSpec().getSelector()).orElse(Map.of());
        return edgeSyncDeployments().stream()
                .filter(d -> !selector.isEmpty() && selects(selector, podLabels(d)))
                .toList();
    }

    static Map<String, String> podLabels(Deployment deployment) {
        return Optional.ofNullable(deployment.getSpec().getTemplate().getMetadata())
                .map(m -> m.getLabels())
                .orElse(Map.of());
    }

    static Container mainContainer(Deployment deployment) {
        List<Container> containers = deployment.getSpec().getTemplate().getSpec().getContainers();
        return containers.stream().filter(c -> APP_NAME.equals(c.getName())).findFirst().orElse(containers.get(0));
    }

    /**
     * The environment of the EdgeSync container as the kubelet builds it: envFrom sources in order, then env (which
     * wins). Values taken from secrets by reference are shown as {@code secret:<name>/<key>}.
     */
    Map<String, String> effectiveEnvironment(Deployment deployment) {
        Container container = mainContainer(deployment);
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvFromSource from : Optional.ofNullable(container.getEnvFrom()).orElse(List.of())) {
            if (from.getConfigMapRef() != null) {
                named(ofType(ConfigMap.class), from.getConfigMapRef().getName())
                        .ifPresent(cm -> env.putAll(Optional.ofNullable(cm.getData()).orElse(Map.of())));
            }
            if (from.getSecretRef() != null) {
                named(ofType(Secret.class), from.getSecretRef().getName()).ifPresent(s -> env.putAll(secretData(s)));
            }
        }
        for (EnvVar var : Optional.ofNullable(container.getEnv()).orElse(List.of())) {
            if (var.getValueFrom() != null && var.getValueFrom().getSecretKeyRef() != null) {
                env.put(var.getName(), "secret:" + var.getValueFrom().getSecretKeyRef().getName() + "/"
                        + var.getValueFrom().getSecretKeyRef().getKey());
            } else {
                env.put(var.getName(), var.getValue());
            }
        }
        return env;
    }

    /** The settings every EdgeSync pod shares: the ConfigMaps they all read. */
    Map<String, String> sharedEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        envConfigMaps().forEach(cm -> env.putAll(Optional.ofNullable(cm.getData()).orElse(Map.of())));
        return env;
    }

    private List<ConfigMap> envConfigMaps() {
        Set<String> referenced = edgeSyncDeployments().stream()
                .flatMap(d -> Optional.ofNullable(mainContainer(d).getEnvFrom()).orElse(List.of()).stream())
                .filter(from -> from.getConfigMapRef() != null)
                .map(from -> from.getConfigMapRef().getName())
                .collect(Collectors.toSet());
        return ofType(ConfigMap.class).stream().filter(cm -> referenced.contains(cm.getMetadata().getName())).toList();
    }

    private List<Secret> envSecrets() {
        Set<String> referenced = edgeSyncDeployments().stream()
                .flatMap(d -> Optional.ofNullable(mainContainer(d).getEnvFrom()).orElse(List.of()).stream())
                .filter(from -> from.getSecretRef() != null)
                .map(from -> from.getSecretRef().getName())
                .collect(Collectors.toSet());
        return ofType(Secret.class).stream().filter(s -> referenced.contains(s.getMetadata().getName())).toList();
    }

    private static Map<String, String> secretData(Secret secret) {
        Map<String, String> data = new LinkedHashMap<>();
        Optional.ofNullable(secret.getData())
                .orElse(Map.of())
                .forEach((k, v) -> data.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        Optional.ofNullable(secret.getStringData()).orElse(Map.of()).forEach(data::put);
        return data;
    }

    private List<Map<String, String>> podLabelSets() {
        List<Map<String, String>> pods = new ArrayList<>();
        deployments().forEach(d -> pods.add(podLabels(d)));
        // CloudNativePG labels its instance pods cnpg.io/cluster=<cluster>.
        custom("Cluster").forEach(c -> pods.add(Map.of("cnpg.io/cluster", c.getMetadata().getName())));
        // Strimzi labels its pods strimzi.io/cluster=<cluster> and app.kubernetes.io/name=kafka (and others).
        custom("Kafka").forEach(k -> pods.add(Map.of("strimzi.io/cluster", k.getMetadata().getName(), NAME_LABEL,
                "kafka")));
        return pods;
    }

    private List<NetworkPolicyIngressRule> rulesFor(Map<String, String> podLabels) {
        return ofType(NetworkPolicy.class).stream()
                .filter(p -> selects(matchLabels(p.getSpec().getPodSelector()), podLabels)
                        || matchLabels(p.getSpec().getPodSelector()).isEmpty())
                .flatMap(p -> Optional.ofNullable(p.getSpec().getIngress()).orElse(List.of()).stream())
                .toList();
    }

    private static boolean allowsPort(NetworkPolicyIngressRule rule, int port) {
        return rule.getPorts() == null || rule.getPorts().isEmpty()
                || rule.getPorts().stream().anyMatch(p -> isPort(p, port));
    }

    private static boolean isPort(NetworkPolicyPort policyPort, int port) {
        IntOrString value = policyPort.getPort();
        return value != null && value.getIntVal() != null && value.getIntVal() == port;
    }

    private int brokers(String cluster) {
        return custom("KafkaNodePool").stream()
                .filter(pool -> cluster.equals(label(pool, "strimzi.io/cluster")))
                .filter(pool -> listField(pool, "spec.roles").contains("broker"))
                .mapToInt(pool -> intField(pool, "spec.replicas").orElse(0))
                .sum();
    }

    static boolean selects(Map<String, String> selector, Map<String, String> labels) {
        return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    static Map<String, String> matchLabels(LabelSelector selector) {
        return selector == null || selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
    }

    private static Map<String, Integer> namedPorts(Container container) {
        Map<String, Integer> ports = new LinkedHashMap<>();
        Optional.ofNullable(container.getPorts())
                .orElse(List.of())
                .stream()
                .filter(p -> p.getName() != null)
                .forEach(p -> ports.put(p.getName(), p.getContainerPort()));
        return ports;
    }

    private static Integer resolvePort(IntOrString port, Map<String, Integer> namedPorts) {
        if (port == null) {
            return null;
        }
        if (port.getIntVal() != null) {
            return namedPorts.containsValue(port.getIntVal()) ? port.getIntVal() : null;
        }
        return namedPorts.get(port.getStrVal());
    }

    static String label(HasMetadata object, String label) {
        return Optional.ofNullable(object.getMetadata().getLabels()).map(l -> l.get(label)).orElse(null);
    }

    private static <T extends HasMetadata> Optional<T> named(List<T> list, String name) {
        return list.stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
    }

    private static Set<String> names(List<? extends HasMetadata> list) {
        return list.stream().map(o -> o.getMetadata().getName()).collect(Collectors.toSet());
    }

    private static Optional<Integer> intField(HasMetadata object, String path) {
        return Manifests.field(object, path).map(v -> Integer.parseInt(String.valueOf(v)));
    }

    private static List<?> listField(HasMetadata object, String path) {
        return Manifests.field(object, path).filter(List.class::isInstance).map(List.class::cast).orElse(List.of());
    }

    private static long mib(Quantity quantity) {
        return Quantity.getAmountInBytes(quantity).longValue() / (1024 * 1024);
    }

    static String describe(HasMetadata object) {
        return object.getKind() + "/" + object.getMetadata().getName();
    }
}
