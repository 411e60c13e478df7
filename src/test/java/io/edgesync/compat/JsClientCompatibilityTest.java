package io.edgesync.compat;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.logging.Log;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real Azure Mobile Apps JavaScript client SDK (npm {@code azure-mobile-apps-client} 2.0.1, pinned in
 * {@code src/test/js/package-lock.json}) runs its whole offline-sync story against this application: local inserts,
 * updates and deletes, push, incremental and vanilla pulls, 412 conflicts, 404 push errors and purge
 * ({@code src/test/js/offline-sync-story.js}). Needs Node.js and npm on the PATH and the npm registry for
 * {@code npm ci}; without Node.js the test is skipped, never silently passed.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class JsClientCompatibilityTest {

    private static final Path SOURCES = Path.of("src", "test", "js");
    private static final Path WORK_DIR = Path.of("target", "js-compat");
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration STORY_TIMEOUT = Duration.ofMinutes(2);
    private static final String SUCCESS_LINE = "OFFLINE-SYNC-STORY OK";

    @TestHTTPResource("/")
    URL root;

    @Test
    void azureMobileAppsJsClientCompletesTheOfflineSyncStory() throws Exception {
        // Given Node.js and npm
        Optional<Path> node = findOnPath("node");
        Optional<Path> npm = findOnPath("npm");
        if (node.isEmpty() || npm.isEmpty()) {
            Assumptions.abort("Node.js not found on PATH: skipping the azure-mobile-apps-client compatibility suite");
        }

        // And the story with the SDK installed exactly as locked
        copyStorySources();
        Run install = run("npm", List.of(npm.get().toString(), "ci", "--no-audit", "--no-fund"), INSTALL_TIMEOUT);
        assertThat(install.exitCode()).as("npm ci in %s%s; output:%n%s", WORK_DIR, install.timeoutNote(),
                install.output()).isZero();

        // When the story runs against this application
        String baseUrl = root.toString().replaceAll("/+$", "");
        Run story = run("story", List.of(node.get().toString(), "offline-sync-story.js", baseUrl), STORY_TIMEOUT);

        // Then every step passed
        assertThat(story.exitCode()).as("exit code of node offline-sync-story.js %s%s; output:%n%s", baseUrl,
                story.timeoutNote(), story.output()).isZero();
        assertThat(story.output()).contains(SUCCESS_LINE);
    }

    private static Optional<Path> findOnPath(String executable) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return Stream.of(path.split(File.pathSeparator))
                .filter(directory -> !directory.isBlank())
                .map(directory -> Path.of(directory, executable))
                .filter(Files::isRegularFile)
                .filter(Files::isExecutable)
                .findFirst();
    }

    /** Copies src/test/js, without any node_modules, to a clean target/js-compat. */
    private static void copyStorySources() throws IOException {
        if (Files.exists(WORK_DIR)) {
            try (Stream<Path> stale = Files.walk(WORK_DIR)) {
                stale.sorted(Comparator.reverseOrder()).forEach(JsClientCompatibilityTest::delete);
            }
        }
        Files.createDirectories(WORK_DIR);
        try (Stream<Path> sources = Files.walk(SOURCES)) {
            for (Path source : sources.toList()) {
                Path relative = SOURCES.relativize(source);
                if (relative.toString().isEmpty()) {
                    continue;
                }
                if (relative.getName(0).toString().equals("node_modules")) {
                    continue;
                }
                Path target = WORK_DIR.resolve(relative);
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void delete(Path path) {
        try {
            Files.delete(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a command in target/js-compat, logging each output line as it comes, and kills it after the timeout. */
    private static Run run(String tag, List<String> command, Duration timeout) throws Exception {
        Log.infof("[%s] $ %s", tag, String.join(" ", command));
        Process process = new ProcessBuilder(command)
                .directory(WORK_DIR.toFile())
                .redirectErrorStream(true)
                .start();
        process.getOutputStream().close();
        StringBuilder output = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    Log.infof("[%s] %s", tag, line);
                    synchronized (output) {
                        output.append(line).append(System.lineSeparator());
                    }
                }
            } catch (IOException e) {
                Log.warnf("[%s] output no longer readable: %s", tag, e.getMessage());
            }
        }, "js-compat-" + tag);
        reader.setDaemon(true);
        reader.start();
        boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!finished) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        reader.join(TimeUnit.SECONDS.toMillis(10));
        synchronized (output) {
            return new Run(finished ? process.exitValue() : -1, output.toString(), finished ? null : timeout);
        }
    }

    private record Run(int exitCode, String output, Duration timedOutAfter) {

        String timeoutNote() {
            return timedOutAfter == null ? "" : " (killed after " + timedOutAfter.toSeconds() + " s)";
        }
    }
}
