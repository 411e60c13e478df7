package io.edgesync.packaging;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgesync.embedded.Ports;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * A new user on a fresh copy of the project: runs the README's run command exactly as written (Maven builds and starts
 * the gateway), pastes the README's examples in order into a shell, stops the gateway as a terminal does, then runs it
 * in the background and stops it the way the README says.
 *
 * <p> The only change to what the user pastes is the port: the gateway gets a free one through
 * {@code QUARKUS_HTTP_PORT}, as the README says to choose another port, and the examples' {@code localhost:8080} follow
 * it. Every shell block of the README is either pasted here or named with the reason it is not, so a new example cannot
 * slip past this test.
 */
class ReadmeWalkthroughIT {

    /** Sections whose blocks the walkthrough pastes, in README order, into one shell (variables carry over). */
    private static final List<String> PASTED = List.of("Table protocol", "Native sync API", "Admin API",
            "Security");

    /** Sections whose blocks are not pasted, and why. */
    private static final Map<String, String> NOT_PASTED = Map.of(
            "Test it", "the command that runs this test",
            "Performance", "the benchmark takes 15 minutes and has its own harness",
            "External PostgreSQL and Kafka", "needs a PostgreSQL and a Kafka of the user's own");

    private static final Duration BUILD_AND_START = Duration.ofMinutes(8);

    @TempDir
    Path work;

    private Path copy;
    private int httpPort;
    private Process foreground;
    private final List<ProcessHandle> started = new ArrayList<>();

    @AfterEach
    void stopEverything() {
        if (foreground != null) {
            foreground.descendants().forEach(ProcessHandle::destroyForcibly);
            foreground.destroyForcibly();
            signalGroup("-KILL", foreground.pid());
        }
        started.forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    void aNewUserPastesTheReadmeTopToBottom() throws Exception {
        List<Block> blocks = Block.parse(Files.readString(Path.of("README.md"), StandardCharsets.UTF_8));
        for (Block block : blocks) {
            assertThat(block.section().equals("Run it") || PASTED.contains(block.section())
                    || NOT_PASTED.containsKey(block.section()))
                    .as("README block under \"%s\" is walked through or has a reason not to be:%n%s", block.section(),
                            block.text())
                    .isTrue();
        }
        List<Block> run = blocks.stream().filter(b -> b.section().equals("Run it")).toList();
        assertThat(run).as("the run command, then running in the background").hasSize(2);
        copy = copyOfProject(work.resolve("edgesync"));
        httpPort = Ports.freePort();

        // Given the project as a user has it, started with the README's run command in a terminal
        String runCommand = run.get(0).text().strip();
        assertThat(runCommand).isEqualTo("./mvnw -DskipTests package quarkus:run");
        Path runLog = work.resolve("quarkus-run.log");
        foreground = shell(runCommand).redirectOutput(runLog.toFile()).start();
        awaitReady(runLog, foreground.toHandle());

        // When the README's examples are pasted in order
        String examples = blocks.stream()
                .filter(b -> PASTED.contains(b.section()))
                .map(Block::text)
                .reduce("", (a, b) -> a + b + "\n");
        // (read through a pipe, as a terminal shows it: the examples echo responses to /dev/stderr too)
        Process pasted = shell(PASTE_PRELUDE + examples.replace("localhost:8080", "localhost:" + httpPort)).start();
        String output = new String(pasted.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(pasted.waitFor(2, TimeUnit.MINUTES)).as("examples finish").isTrue();

        // Then every command succeeded and did what its comment says
        assertThat(pasted.exitValue()).as("every example succeeds; transcript:%n%s", output).isZero();
        assertThat(output).as("transcript").contains("\"text\":\"milk\"").contains("\"status\":\"applied\"");
        assertThat(output.split("\"status\":\"applied\"", -1)).as("both native operations applied").hasSize(3);
        assertThat(output).as("transcript")
                .doesNotContain("\"conflict\"")
                .doesNotContain("\"parked\"")
                .doesNotContain("\"error\"")
                .contains("\"hasMore\":false")
                .contains("event:ready")
                .contains("\"recordId\":\"n1\",\"deviceId\":\"phone-1\"");

        // When the user stops it in that terminal (Ctrl+C, or closing the terminal: every process of the terminal's
        // group gets the signal; SIGTERM here because a harness started in the background ignores SIGINT, and so
        // would every process it starts)
        Path dataDir = copy.resolve("data");
        signalGroup("-TERM", foreground.pid());

        // Then Maven and the gateway stop, and so does the embedded PostgreSQL
        assertThat(foreground.waitFor(60, TimeUnit.SECONDS)).as("Maven stops with its terminal group").isTrue();
        Awaitility.await("the gateway stops with Maven")
                .atMost(Duration.ofSeconds(30))
                .until(() -> foreground.descendants().noneMatch(ProcessHandle::isAlive));
        assertThat(dataDir.resolve("postgres").resolve("postmaster.pid")).doesNotExist();

        // When the user runs it in the background as the README says
        List<String> background = run.get(1).text().strip().lines().toList();
        assertThat(background).hasSize(3);
        Process start = shell(background.get(0) + "\n" + background.get(1))
                .redirectOutput(work.resolve("background-start.log").toFile())
                .start();
        assertThat(start.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(start.exitValue()).isZero();
        long pid = Long.parseLong(Files.readString(copy.resolve("edgesync.pid")).strip());
        ProcessHandle gateway = ProcessHandle.of(pid).orElseThrow();
        started.add(gateway);
        awaitReady(copy.resolve("edgesync.log"), gateway);

        // Then what the examples wrote is still there
        given().port(httpPort)
                .header("ZUMO-API-VERSION", "2.0.0")
                .when()
                .get("/tables/todoitem/a1")
                .then()
                .statusCode(200)
                .body("text", equalTo("milk"));

        // And the README's stop line stops it cleanly
        Process stop = shell(background.get(2)).redirectOutput(work.resolve("background-stop.log").toFile()).start();
        assertThat(stop.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(stop.exitValue()).isZero();
        assertThat(gateway.onExit().get(60, TimeUnit.SECONDS).isAlive()).isFalse();
        assertThat(dataDir.resolve("postgres").resolve("postmaster.pid")).doesNotExist();
    }

    /**
     * What the walkthrough adds before the pasted examples: stop at the first failing command, and let curl fail on an
     * HTTP error (a user reads the error body; the test needs the exit code). The notification stream never ends by
     * itself: it is read for three seconds, as a user watching it would before pressing Ctrl+C.
     */
    private static final String PASTE_PRELUDE = """
            set -e -o pipefail
            curl() {
              if [[ " $* " == *" -N "* ]]; then
                command curl --max-time 3 "$@" || [ $? -eq 28 ]
              else
                command curl --fail-with-body "$@"
              fi
            }
            """;

    /** Signals every process of a process group, as a terminal does. */
    private static void signalGroup(String signal, long group) {
        try {
            new ProcessBuilder("kill", signal, "--", "-" + group).start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A shell in the copy, in its own process group (as a terminal runs it), on the walkthrough's port. */
    private ProcessBuilder shell(String script) {
        ProcessBuilder builder = new ProcessBuilder("setsid", "bash", "-c", script).directory(copy.toFile())
                .redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.put("QUARKUS_HTTP_PORT", Integer.toString(httpPort));
        // Another gateway of this build may hold 5432 and 9092: the embedded servers pick free ports anyway.
        env.put("EDGESYNC_EMBEDDED_POSTGRES_PORT", "0");
        env.put("EDGESYNC_EMBEDDED_KAFKA_PORT", "0");
        return builder;
    }

    private void awaitReady(Path log, ProcessHandle process) {
        Readiness.await(process, httpPort, BUILD_AND_START, log);
    }

    /** The project's sources and build files, without build output, data or other checkouts' leftovers. */
    private static Path copyOfProject(Path target) throws IOException {
        Path root = Path.of("").toAbsolutePath();
        Set<String> skipped = Set.of("target", "data", ".git", "node_modules");
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(file -> root.relativize(file).toString().isEmpty()
                    || Stream.iterate(root.relativize(file), p -> p != null, Path::getParent)
                            .noneMatch(p -> skipped.contains(p.getFileName().toString())))
                    .forEach(file -> {
                        Path destination = target.resolve(root.relativize(file).toString());
                        try {
                            if (Files.isDirectory(file)) {
                                Files.createDirectories(destination);
                            } else {
                                Files.copy(file, destination, StandardCopyOption.COPY_ATTRIBUTES);
                            }
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
        }
        return target;
    }

    /** A fenced {@code sh} block of the README and the {@code ##} section it is in. */
    record Block(String section, String text) {

        static List<Block> parse(String markdown) {
            List<Block> blocks = new ArrayList<>();
            String section = "";
            StringBuilder text = null;
            String indent = "";
            for (String line : markdown.lines().toList()) {
                String trimmed = line.strip();
                if (text == null && line.startsWith("## ")) {
                    section = line.substring(3).strip();
                } else if (text == null && trimmed.equals("```sh")) {
                    text = new StringBuilder();
                    indent = line.substring(0, line.indexOf('`'));
                } else if (text != null && trimmed.equals("```")) {
                    blocks.add(new Block(section, text.toString()));
                    text = null;
                } else if (text != null) {
                    text.append(line.startsWith(indent) ? line.substring(indent.length()) : line).append('\n');
                }
            }
            return blocks;
        }
    }
}
