package io.edgesync.architecture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package rules of the code base, checked on its sources: a layer that must not know another has no import of it
 * and no fully qualified reference to it in code (comments may name anything).
 */
class PackageRulesTest {

    private static final Path SOURCES = Path.of("src/main/java/io/edgesync");
    private static final Pattern REFERENCE = Pattern.compile("\\bio\\.edgesync\\.([a-z]+)\\.");

    /**
     * A package and the packages it must not depend on.
     *
     * @param why what the rule keeps apart
     */
    record Rule(String from, List<String> forbidden, String why) {
        @Override
        public String toString() {
            return from + " never reaches " + forbidden;
        }
    }

    static List<Rule> rules() {
        List<String> everythingElse = topLevelPackages().stream().filter(p -> !p.equals("odata")).toList();
        return List.of(
                new Rule("odata", everythingElse, "the OData parser and translator are a leaf library"),
                new Rule("cache", List.of("protocol", "device", "events", "central", "notify", "sync",
                        "admin"), "the cache is below every surface, role and service"),
                new Rule("events", List.of("central"),
                        "the event pipeline carries events; the central role plugs its part in (PipelineRole)"),
                new Rule("protocol", List.of("central", "events"), "device surfaces never reach the central role"),
                new Rule("notify", List.of("central", "events", "protocol"),
                        "change notifications are an edge surface of their own"),
                new Rule("conflict", List.of("protocol", "central", "events", "notify"),
                        "conflict policies are shared by edges and central, below both"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void packagesKeepTheirDistance(Rule rule) {
        // Given the sources of the package
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES.resolve(rule.from()))) {
            // When every reference to another package of the project is read
            files.filter(file -> file.toString().endsWith(".java")).sorted().forEach(file -> {
                List<String> lines = read(file);
                for (int i = 0; i < lines.size(); i++) {
                    String code = codeOf(lines.get(i));
                    Matcher m = REFERENCE.matcher(code);
                    while (m.find()) {
                        if (rule.forbidden().contains(m.group(1))) {
                            violations.add(SOURCES.relativize(file) + ":" + (i + 1) + " " + code.strip());
                        }
                    }
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }

        // Then none reaches a package the rule keeps it from
        assertThat(violations).as(rule + ": " + rule.why()).isEmpty();
    }

    /** Packages below the surfaces: they fail with a kind of failure and never choose an HTTP status. */
    static List<String> services() {
        return List.of("cache", "sync", "device", "conflict", "events", "central", "odata");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void servicesFailWithDomainExceptionsNotHttpStatuses(String service) {
        // Given what answers HTTP: the JAX-RS types, problem bodies, the table protocol's errors and the status table
        Pattern http = Pattern.compile(
                "\\bjakarta\\.ws\\.rs\\b|\\bProblem\\b|\\bTableProtocolException\\b|\\bErrorTable\\b|\\bWebApplicationException\\b");
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES.resolve(service))) {
            // When the service's code is read
            files.filter(file -> file.toString().endsWith(".java")).sorted().forEach(file -> {
                List<String> lines = read(file);
                for (int i = 0; i < lines.size(); i++) {
                    String code = codeOf(lines.get(i));
                    if (http.matcher(code).find()) {
                        violations.add(SOURCES.relativize(file) + ":" + (i + 1) + " " + code.strip());
                    }
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }

        // Then none of it appears: a service throws DomainException, and each surface maps it (ErrorTable)
        assertThat(violations).as(service + " answers HTTP itself").isEmpty();
    }

    /** The line without a comment: a Javadoc or comment line is empty, a trailing comment is cut off. */
    private static String codeOf(String line) {
        String stripped = line.strip();
        if (stripped.startsWith("*") || stripped.startsWith("/*") || stripped.startsWith("//")) {
            return "";
        }
        int comment = line.indexOf("// ");
        return comment >= 0 ? line.substring(0, comment) : line;
    }

    private static List<String> read(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static SortedSet<String> topLevelPackages() {
        try (Stream<Path> entries = Files.list(SOURCES)) {
            return entries.filter(Files::isDirectory)
                    .map(dir -> dir.getFileName().toString())
                    .collect(TreeSet::new, TreeSet::add, TreeSet::addAll);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The rules name real packages: a rule about a package that was renamed away would pass for nothing. */
    @Test
    void everyRuleNamesExistingPackages() {
        SortedSet<String> packages = topLevelPackages();
        for (Rule rule : rules()) {
            assertThat(packages).as(rule.toString()).contains(rule.from());
            assertThat(packages).as(rule.toString()).containsAll(rule.forbidden());
        }
    }
}
