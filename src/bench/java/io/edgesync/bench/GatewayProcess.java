package io.edgesync.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One EdgeSync process started from the packaged application, as a user starts it: {@code java -jar quarkus-run.jar}
 * with its own copy of the application (so a rebuild of {@code target/} does not disturb it), its own HTTP port and, in
 * the embedded default, PostgreSQL and Kafka with their data in a temporary directory.
 */
final class GatewayProcess implements AutoCloseable {

    private static final Pattern DATABASE = Pattern.compile("embedded PostgreSQL at 127\\.0\\.0\\.1:(\\d+)/(\\w+)");
    private static final Pattern KAFKA = Pattern.compile("embedded Kafka \\(KRaft\\) at (\\S+)");
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);

    private final String name;
    private final Path home;
    private final Path log;
    private final int port;
    private final Process process;
    private int postgresPort = -1;
    private String database;
    private String kafkaBootstrap;

    private GatewayProcess(String name, Path home, Path log, int port, Process process) {
        this.name = name;
        this.home = home;
        this.log = log;
        this.port = port;
        this.process = process;
    }

    /**
     * The settings of a second process of role {@code edge} next to the harness's gateway: its own database on the
     * gateway's PostgreSQL server, the gateway's Kafka, and anonymous devices served as the gateway's local default
     * serves them (the same clients talk to both), without the per-device limiter.
     */
    static Map<String, String> edgeProperties(String edgeId, int pgPort, String database, String kafka) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("edgesync.role", "edge");
        props.put("edgesync.edge.id", edgeId);
        props.put("edgesync.embedded.enabled", "false");
        props.put("edgesync.tables.auto-create", "true");
        props.put("edgesync.security.anonymous", "true");
        props.put("edgesync.limits.rate-limit.enabled", "false");
        props.put("quarkus.datasource.reactive.url", "postgresql://127.0.0.1:" + pgPort + "/" + database);
        props.put("quarkus.datasource.username", "postgres");
        props.put("kafka.bootstrap.servers", kafka);
        return props;
    }

    /**
     * Starts the application in {@code appDir}: a copy of it goes to a temporary directory that also holds the embedded
     * servers' data; the log goes to {@code logDir/<name>.log}.
     */
    static GatewayProcess start(String name, Path appDir, Path logDir, String heap, List<String> jvmOptions,
            Map<String, String> properties) throws IOException {
        if (!Files.isRegularFile(appDir.resolve("quarkus-run.jar"))) {
            throw new IllegalStateException("No packaged application in " + appDir
                    + ": build it with ./mvnw -Pbench -DskipTests package (or ./mvnw -DskipTests package)");
        }
        Path home = Files.createTempDirectory("edgesync-bench-" + name + "-");
        Path app = home.resolve("app");
        copyTree(appDir, app);
        int port = freePort();
        Map<String, String> props = new LinkedHashMap<>();
        props.put("quarkus.http.port", Integer.toString(port));
        props.put("edgesync.embedded.data-dir", home.resolve("data").toString());
        props.put("edgesync.embedded.postgres.port", "0");
        props.put("edgesync.embedded.kafka.port", "0");
        props.putAll(properties);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + heap);
        command.addAll(jvmOptions);
        props.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-jar");
        command.add(app.resolve("quarkus-run.jar").toString());
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log");
        Files.writeString(log, String.join(" ", command) + "\n\n", StandardCharsets.UTF_8);
        Process process = new ProcessBuilder(command)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        GatewayProcess gateway = new GatewayProcess(name, home, log, port, process);
        try {
            gateway.awaitReady();
        } catch (RuntimeException e) {
            gateway.close();
            throw e;
        }
        return gateway;
    }

    private void awaitReady() {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; log " + log
                        + ":\n" + logTail(30));
            }
            try {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri().resolve("/q/health/ready"))
                        .timeout(Duration.ofSeconds(5))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    readBanner();
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(500);
        }
        throw new IllegalStateException(name + " not ready within " + READY_TIMEOUT + "; log " + log + ":\n"
                + logTail(30));
    }

    private void readBanner() {
        String text = logText();
        Matcher db = DATABASE.matcher(text);
        if (db.find()) {
            postgresPort = Integer.parseInt(db.group(1));
            database = db.group(2);
        }
        Matcher kafka = KAFKA.matcher(text);
        if (kafka.find()) {
            kafkaBootstrap = kafka.group(1).replaceAll("[,;)]+$", "");
        }
    }

    String name() {
        return name;
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    Path home() {
        return home;
    }

    /** Port of the embedded PostgreSQL, when this process started one. */
    Optional<Integer> postgresPort() {
        return postgresPort > 0 ? Optional.of(postgresPort) : Optional.empty();
    }

    String database() {
        return database;
    }

    Optional<String> kafkaBootstrap() {
        return Optional.ofNullable(kafkaBootstrap);
    }

    /** The embedded PostgreSQL's postmaster (pg_ctl starts it detached from this process). */
    Optional<Long> postmasterPid() {
        Path pidFile = home.resolve("data").resolve("postgres").resolve("postmaster.pid");
        try {
            return Optional.of(Long.parseLong(Files.readAllLines(pidFile).get(0).trim()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Heap in use right after a full collection (the live set), in bytes, read with jcmd; -1 if unavailable. */
    long liveHeapBytes() {
        jcmd("GC.run");
        String info = jcmd("GC.heap_info");
        Matcher used = Pattern.compile("used (\\d+)K").matcher(info);
        return used.find() ? Long.parseLong(used.group(1)) * 1024 : -1;
    }

    /** Heap committed (reserved from the OS) by the process, in bytes; -1 if unavailable. */
    long committedHeapBytes() {
        String info = jcmd("GC.heap_info");
        Matcher total = Pattern.compile("total (\\d+)K").matcher(info);
        return total.find() ? Long.parseLong(total.group(1)) * 1024 : -1;
    }

    long residentBytes() {
        return CpuMeter.residentBytes(pid());
    }

    int threadCount() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith("Threads:")) {
                    return Integer.parseInt(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Runs a jcmd command against this process and returns its output. */
    String jcmd(String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
        command.add(Long.toString(pid()));
        command.addAll(List.of(arguments));
        try {
            Process jcmd = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] output = jcmd.getInputStream().readAllBytes();
            jcmd.waitFor(60, TimeUnit.SECONDS);
            return new String(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    String logTail(int lines) {
        List<String> all = List.of(logText().split("\n"));
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private String logText() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** SIGTERM, a clean stop of the application and its embedded servers; then removes the temporary directory. */
    @Override
    public void close() {
        Optional<Long> postmaster = postmasterPid();
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(40, TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // Our own postmaster, should the clean stop not have reached it.
        postmaster.flatMap(ProcessHandle::of).ifPresent(pm -> {
            pm.destroy();
            try {
                pm.onExit().get(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                pm.destroyForcibly();
            }
        });
        deleteTree(home);
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path source : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort: a temporary directory
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A gauge or counter from the Prometheus endpoint of the gateway at {@code uri}, or "?". */
    static String gauge(URI uri, String name) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(uri.resolve("/q/metrics")).timeout(Duration.ofSeconds(10)).build(),
                            HttpResponse.BodyHandlers.ofString());
            Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? ([0-9.Ee+-]+)$").matcher(response.body());
            return m.find() ? m.group(2) : "?";
        } catch (Exception e) {
            return "?";
        }
    }
}
