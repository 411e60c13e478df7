package io.edgesync.deployment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Reads Kubernetes manifests with the fabric8 model: built-in kinds become their typed classes (Deployment, Service,
 * ...), custom resources (Strimzi, CloudNativePG, Prometheus Operator) and Kustomization files become
 * {@link GenericKubernetesResource}.
 */
final class Manifests {

    static final Path REPOSITORY = locateRepository();
    static final Path K8S = REPOSITORY.resolve("k8s");

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final YAMLMapper YAML = new YAMLMapper();

    private Manifests() {
    }

    /** One parsed document and where it came from. */
    record Document(Path file, int index, HasMetadata object) {

        String describe() {
            return REPOSITORY.relativize(file) + "#" + index + " " + object.getKind() + "/"
                    + object.getMetadata().getName();
        }
    }

    /** Every YAML file under {@code directory}, recursively, sorted. */
    static List<Path> yamlFiles(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses every document of a YAML file; a document that is not a Kubernetes object fails. */
    static List<Document> parseFile(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a multi-document YAML stream (a file, or the output of kubectl kustomize). */
    static List<Document> parse(String yaml, Path origin) {
        List<Document> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> nodes = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            int index = 0;
            while (nodes.hasNext()) {
                JsonNode node = nodes.next();
                index++;
                if (node == null || node.isNull() || node.isEmpty()) {
                    continue;
                }
                if (!node.hasNonNull("apiVersion") || !node.hasNonNull("kind")) {
                    throw new IllegalArgumentException(origin + " document " + index + " has no apiVersion/kind");
                }
                KubernetesResource resource = SERIALIZATION.unmarshal(node.toString(), KubernetesResource.class);
                if (!(resource instanceof HasMetadata object) || object.getMetadata() == null
                        || object.getMetadata().getName() == null) {
                    throw new IllegalArgumentException(origin + " document " + index + " has no metadata.name");
                }
                documents.add(new Document(origin, index, object));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not parse " + origin, e);
        }
        return documents;
    }

    /** A kustomization.yaml: not a cluster object (no name), but it parses with the model all the same. */
    static GenericKubernetesResource parseKustomization(Path file) {
        try {
            KubernetesResource resource = SERIALIZATION.unmarshal(Files.readString(file, StandardCharsets.UTF_8),
                    KubernetesResource.class);
            if (!(resource instanceof GenericKubernetesResource kustomization)
                    || !"Kustomization".equals(kustomization.getKind())) {
                throw new IllegalArgumentException(file + " is not a Kustomization");
            }
            return kustomization;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<HasMetadata> objects(List<Document> documents) {
        return documents.stream().map(Document::object).toList();
    }

    /** A value at a dotted path of a custom resource, e.g. {@code spec.kafka.listeners}. */
    static Optional<Object> field(HasMetadata object, String path) {
        Object current = object instanceof GenericKubernetesResource generic
                ? generic.getAdditionalProperties()
                : SERIALIZATION.convertValue(object, Map.class);
        for (String part : path.split("\\.")) {
            if (!(current instanceof Map<?, ?> map)) {
                return Optional.empty();
            }
            current = map.get(part);
            if (current == null) {
                return Optional.empty();
            }
        }
        return Optional.of(current);
    }

    static String toYaml(Object value) {
        try {
            return YAML.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path locateRepository() {
        Path current = Path.of("").toAbsolutePath();
        while (current != null) {
            if (Files.isRegularFile(current.resolve("pom.xml")) && Files.isDirectory(current.resolve("k8s"))) {
                return current;
            }
            current = current.getParent();
        }
        throw new IllegalStateException("Run from the repository (no pom.xml with k8s/ above " + Path.of("")
                .toAbsolutePath() + ")");
    }
}
