package io.edgesync.deployment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.edgesync.deployment.Manifests.Document;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The manifests under k8s/ as written (no kustomize needed): every file parses with the fabric8 model, the base is a
 * complete and consistent deployment on its own, and every overlay patch aims at something the base has.
 * {@link KustomizeRenderTest} checks the same invariants on the rendered overlays where kubectl exists.
 */
class KubernetesManifestsTest {

    private static final Path BASE = Manifests.K8S.resolve("base");
    private static final Path OVERLAYS = Manifests.K8S.resolve("overlays");
    /** API groups whose kinds fabric8 models; anything of these groups must not come back untyped. */
    private static final Set<String> BUILT_IN_API_VERSIONS = Set.of("v1", "apps/v1", "policy/v1", "autoscaling/v2",
            "networking.k8s.io/v1");

    @Test
    void everyManifestParsesWithTheFabric8Model() {
        // Given every YAML file under k8s/
        List<Path> files = Manifests.yamlFiles(Manifests.K8S);
        assertThat(files).isNotEmpty();

        for (Path file : files) {
            if (file.getFileName().toString().equals("kustomization.yaml")) {
                assertThat(Manifests.parseKustomization(file).getApiVersion()).as(file.toString())
                        .isEqualTo("kustomize.config.k8s.io/v1beta1");
                continue;
            }
            // When it is parsed
            List<Document> documents = Manifests.parseFile(file);

            // Then it holds Kubernetes objects, built-in kinds as their typed model classes
            assertThat(documents).as(file.toString()).isNotEmpty();
            for (Document document : documents) {
                HasMetadata object = document.object();
                if (BUILT_IN_API_VERSIONS.contains(object.getApiVersion())) {
                    assertThat(object).as(document.describe() + " parsed as a typed model class")
                            .isNotInstanceOf(GenericKubernetesResource.class);
                }
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> baseSatisfiesEveryInvariant() {
        ManifestInvariants invariants = new ManifestInvariants(baseObjects());
        return invariants.checks()
                .entrySet()
                .stream()
                .map(check -> DynamicTest.dynamicTest(check.getKey(),
                        () -> assertThat(check.getValue().get()).as(check.getKey()).isEmpty()));
    }

    @Test
    void kustomizationsListEveryManifestOfTheirDirectory() throws IOException {
        for (Path directory : kustomizationDirectories()) {
            Map<?, ?> kustomization = readYaml(directory.resolve("kustomization.yaml"));
            List<String> listed = new ArrayList<>();
            listed.addAll(strings(kustomization.get("resources")));
            for (Object patch : list(kustomization.get("patches"))) {
                Optional.ofNullable(((Map<?, ?>) patch).get("path")).map(String::valueOf).ifPresent(listed::add);
            }
            for (String entry : listed) {
                assertThat(directory.resolve(entry)).as(directory + ": " + entry).exists();
            }
            try (Stream<Path> files = Files.list(directory)) {
                List<String> unlisted = files.map(f -> f.getFileName().toString())
                        .filter(name -> name.endsWith(".yaml") && !name.equals("kustomization.yaml"))
                        .filter(name -> !listed.contains(name))
                        .toList();
                assertThat(unlisted).as(directory + ": YAML files no kustomization.yaml entry uses").isEmpty();
            }
        }
    }

    @Test
    void overlayPatchesAimAtObjectsOfTheBaseAndUseRealSettings() throws IOException {
        List<HasMetadata> base = baseObjects();
        ManifestInvariants invariants = new ManifestInvariants(base);
        try (Stream<Path> overlays = Files.list(OVERLAYS)) {
            for (Path overlay : overlays.sorted().toList()) {
                Map<?, ?> kustomization = readYaml(overlay.resolve("kustomization.yaml"));
                assertThat(strings(kustomization.get("resources"))).as(overlay + " builds on the base")
                        .contains("../../base");
                for (Object entry : list(kustomization.get("patches"))) {
                    Map<?, ?> patch = (Map<?, ?>) entry;
                    if (patch.get("path") != null) {
                        // Strategic merge patches: each names an object of the base
                        for (Document document : Manifests.parseFile(overlay.resolve(String.valueOf(patch.get(
                                "path"))))) {
                            HasMetadata object = document.object();
                            assertThat(base).as(document.describe() + " patches an object of the base")
                                    .anyMatch(b -> b.getKind().equals(object.getKind())
                                            && b.getMetadata().getName().equals(object.getMetadata().getName()));
                            assertThat(variables(object, invariants)).as(document.describe()).isEmpty();
                        }
                    } else {
                        // Patches with a target: the target matches at least one object of the base
                        Map<?, ?> target = (Map<?, ?>) patch.get("target");
                        String kind = String.valueOf(target.get("kind"));
                        Pattern name = Pattern
                                .compile(Optional.ofNullable(target.get("name")).map(String::valueOf).orElse(".*"));
                        assertThat(base).as(overlay + ": patch target " + target)
                                .anyMatch(b -> b.getKind().equals(kind)
                                        && name.matcher(b.getMetadata().getName()).matches());
                    }
                }
            }
        }
    }

    @Test
    void productionTakesTopicsFromStrimziAndServesDeclaredTablesOnly() {
        // Given the shared settings of the base as the production overlay's patch leaves them
        Map<String, String> settings = new LinkedHashMap<>(sharedSettings(BASE.resolve("config.yaml")));
        settings.putAll(sharedSettings(OVERLAYS.resolve("production/edgesync.yaml")));

        // Then topics are not created by the application and unknown tables are not created either
        assertThat(settings).containsEntry("EDGESYNC_EVENTS_CREATE_TOPICS", "false")
                .containsEntry("EDGESYNC_TABLES_AUTO_CREATE", "false");
    }

    /** The data of the ConfigMap edgesync-config in a file (a strategic merge patch adds or replaces its keys). */
    private static Map<String, String> sharedSettings(Path file) {
        return Manifests.parseFile(file)
                .stream()
                .map(Document::object)
                .filter(ConfigMap.class::isInstance)
                .map(ConfigMap.class::cast)
                .filter(cm -> cm.getMetadata().getName().equals("edgesync-config"))
                .findFirst()
                .orElseThrow()
                .getData();
    }

    @Test
    void readmeInstallsPinnedOperatorReleasesThatServeTheManifestsApis() throws IOException {
        // Given the operator install URLs in the commands of k8s/README.md
        String readme = Files.readString(Manifests.K8S.resolve("README.md"), StandardCharsets.UTF_8);
        List<String> urls = Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL)
                .matcher(readme)
                .results()
                .flatMap(block -> Pattern.compile("https://[^\\s'\"]+").matcher(block.group(1)).results())
                .map(MatchResult::group)
                .filter(url -> url.contains("strimzi") || url.contains("cloudnative-pg"))
                .toList();
        assertThat(urls).as("install URLs of Strimzi and CloudNativePG")
                .anyMatch(url -> url.contains("strimzi"))
                .anyMatch(url -> url.contains("cloudnative-pg"));

        // Then each names one release, so that a later one cannot change what the manifests run on
        Pattern release = Pattern.compile("\\d+\\.\\d+\\.\\d+");
        assertThat(urls).allSatisfy(url -> assertThat(url).doesNotContain("latest").containsPattern(release));
        // And Strimzi's serves the kafka.strimzi.io/v1 API the manifests use (0.49 and newer)
        boolean strimziV1 = Manifests.yamlFiles(Manifests.K8S)
                .stream()
                .filter(f -> !f.getFileName().toString().equals("kustomization.yaml"))
                .flatMap(f -> Manifests.parseFile(f).stream())
                .anyMatch(d -> d.object().getApiVersion().equals("kafka.strimzi.io/v1"));
        assertThat(strimziV1).as("the manifests use kafka.strimzi.io/v1").isTrue();
        assertThat(urls).filteredOn(url -> url.contains("strimzi")).allSatisfy(url -> {
            Matcher version = release.matcher(url);
            assertThat(version.find()).isTrue();
            int[] parts = Stream.of(version.group().split("\\.")).mapToInt(Integer::parseInt).toArray();
            assertThat(parts[0] > 0 || parts[1] >= 49).as(url + " is Strimzi 0.49 or newer").isTrue();
        });
    }

    static List<HasMetadata> baseObjects() {
        Map<?, ?> kustomization = readYaml(BASE.resolve("kustomization.yaml"));
        return strings(kustomization.get("resources")).stream()
                .flatMap(file -> Manifests.parseFile(BASE.resolve(file)).stream())
                .map(Document::object)
                .toList();
    }

    private static List<String> variables(HasMetadata object, ManifestInvariants invariants) {
        List<String> violations = new ArrayList<>();
        if (object instanceof ConfigMap configMap && configMap.getData() != null) {
            configMap.getData()
                    .forEach((name, value) -> violations.addAll(
                            invariants.checkVariable(ManifestInvariants.describe(object), name, value)));
        }
        if (object instanceof Deployment deployment) {
            deployment.getSpec()
                    .getTemplate()
                    .getSpec()
                    .getContainers()
                    .stream()
                    .flatMap(c -> Optional.ofNullable(c.getEnv()).orElse(List.of()).stream())
                    .map(EnvVar::getName)
                    .forEach(name -> violations.addAll(
                            invariants.checkVariable(ManifestInvariants.describe(object), name, null)));
        }
        return violations;
    }

    private static List<Path> kustomizationDirectories() throws IOException {
        try (Stream<Path> files = Files.walk(Manifests.K8S)) {
            return files.filter(f -> f.getFileName().toString().equals("kustomization.yaml"))
                    .map(Path::getParent)
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    static Map<?, ?> readYaml(Path file) {
        try {
            return new YAMLMapper().readValue(Files.readString(file, StandardCharsets.UTF_8), Map.class);
        } catch (IOException e) {
            throw new IllegalStateException("Could not read " + file, e);
        }
    }

    private static List<?> list(Object value) {
        return value instanceof List<?> list ? list : List.of();
    }

    private static List<String> strings(Object value) {
        return list(value).stream().map(String::valueOf).toList();
    }
}
