package io.edgesync.compat;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

import io.quarkus.logging.Log;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the scripts of {@code src/test/js} with Node.js and the real Azure Mobile Apps JavaScript client SDK, installed
 * exactly as locked ({@code npm ci}) in a clean {@code target/js-compat}. Without Node.js a test is skipped, never
 * silently passed. Public for the tests of other packages that drive the SDK against their own gateways.
 */
public final class NodeScripts {

    private static final Path SOURCES = Path.of("src", "test", "js");
    private static final Path WORK_DIR = Path.of("target", "js-compat");
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(3);

    private NodeScripts() {
    }

    /** The node executable, with the scripts and the SDK in place; aborts the test when Node.js is missing. */
    public static Path prepare() throws Exception {
        Optional<Path> node = findOnPath("node");
        Optional<Path> npm = findOnPath("npm");
        if (node.isEmpty() || npm.isEmpty()) {
            Assumptions.abort("Node.js not found on PATH: skipping the azure-mobile-apps-client compatibility suite");
        }
        copyStorySources();
        Run install = run("npm", List.of(npm.get().toString(), "ci", "--no-audit", "--no-fund"), INSTALL_TIMEOUT);
        assertThat(install.exitCode()).as("npm ci in %s%s; output:%n%s", WORK_DIR, install.timeoutNote(),
                install.output()).isZero();
        return node.get();
    }

    static Optional<Path> findOnPath(String executable) {
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
                stale.sorted(Comparator.reverseOrder()).forEach(NodeScripts::delete);
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
    public static Run run(String tag, List<String> command, Duration timeout) throws Exception {
        return run(tag, command, timeout, Map.of());
    }

    /** {@link #run(String, List, Duration)} with further environment variables (not logged: they may be secrets). */
    public static Run run(String tag, List<String> command, Duration timeout, Map<String, String> environment)
            throws Exception {
        Log.infof("[%s] $ %s", tag, String.join(" ", command));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(WORK_DIR.toFile())
                .redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
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

    public record Run(int exitCode, String output, Duration timedOutAfter) {

        public String timeoutNote() {
            return timedOutAfter == null ? "" : " (killed after " + timedOutAfter.toSeconds() + " s)";
        }
    }
}
