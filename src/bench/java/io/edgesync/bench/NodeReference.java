package io.edgesync.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The Azure Mobile Apps Node.js reference server (npm {@code azure-mobile-apps} 4.0.2, SQLite provider), the peer a
 * user would pick instead of EdgeSync. {@code bench/node-reference} holds the server and its pinned dependencies; they
 * are installed from the npm registry into {@code ~/.cache/edgesync-bench} on first use (the SQLite binding compiles
 * then, a few minutes once), never into the repository.
 */
final class NodeReference implements AutoCloseable {

    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(20);

    private final Process process;
    private final Path home;
    private final int port;
    private final String version;

    private NodeReference(Process process, Path home, int port, String version) {
        this.process = process;
        this.home = home;
        this.port = port;
        this.version = version;
    }

    /** The Node.js version, or empty when there is no {@code node} on the PATH. */
    static Optional<String> nodeVersion() {
        try {
            Process node = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return node.waitFor(20, TimeUnit.SECONDS) && node.exitValue() == 0 ? Optional.of(out) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Installs (once) and starts the reference server on a free loopback port, its database in a temporary file. */
    static NodeReference start(Path sources, Path logDir, Progress progress) throws IOException {
        String version = nodeVersion().orElseThrow(() -> new IllegalStateException("node is not on the PATH"));
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "edgesync-bench", "node-reference");
        install(sources, cache, logDir, progress);
        Path home = Files.createTempDirectory("edgesync-bench-node-");
        int port = GatewayProcess.freePort();
        Path log = logDir.resolve("node-reference.log");
        ProcessBuilder builder = new ProcessBuilder("node", cache.resolve("server.js").toString())
                .directory(cache.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().put("PORT", Integer.toString(port));
        builder.environment().put("DB_FILE", home.resolve("reference.db").toString());
        builder.environment().put("NODE_ENV", "production");
        NodeReference reference = new NodeReference(builder.start(), home, port, version);
        reference.awaitReady(log);
        return reference;
    }

    private static void install(Path sources, Path cache, Path logDir, Progress progress) throws IOException {
        Files.createDirectories(cache);
        String packageJson = Files.readString(sources.resolve("package.json"));
        boolean current = Files.exists(cache.resolve("package.json"))
                && Files.readString(cache.resolve("package.json")).equals(packageJson)
                && Files.isRegularFile(cache.resolve("node_modules/sqlite3/build/Release/node_sqlite3.node"))
                && Files.isDirectory(cache.resolve("node_modules/azure-mobile-apps"));
        Files.copy(sources.resolve("server.js"), cache.resolve("server.js"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        if (current) {
            return;
        }
        Files.writeString(cache.resolve("package.json"), packageJson);
        progress.log("  installing the Node.js reference server into " + cache
                + " (npm; the SQLite binding compiles once, a few minutes)");
        Path log = logDir.resolve("node-reference-install.log");
        Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--omit=dev")
                .directory(cache.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        try {
            if (!npm.waitFor(INSTALL_TIMEOUT.toMinutes(), TimeUnit.MINUTES)) {
                npm.destroyForcibly();
                throw new IllegalStateException("npm install did not finish in " + INSTALL_TIMEOUT + "; see " + log);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (npm.exitValue() != 0
                || !Files.isRegularFile(cache.resolve("node_modules/sqlite3/build/Release/node_sqlite3.node"))) {
            // npm 11 may skip install scripts; build the binding explicitly from its bundled sources.
            Process rebuild = new ProcessBuilder("npm", "rebuild", "sqlite3", "--build-from-source")
                    .directory(cache.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            try {
                rebuild.waitFor(INSTALL_TIMEOUT.toMinutes(), TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        if (!Files.isRegularFile(cache.resolve("node_modules/sqlite3/build/Release/node_sqlite3.node"))) {
            Files.deleteIfExists(cache.resolve("package.json"));
            throw new IllegalStateException("Could not install the reference server; see " + log);
        }
    }

    private void awaitReady(Path log) {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("The reference server exited; see " + log);
            }
            try {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri().resolve("/tables/todoitem"))
                        .header("ZUMO-API-VERSION", "2.0.0")
                        .timeout(Duration.ofSeconds(5))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            GatewayProcess.sleep(300);
        }
        throw new IllegalStateException("The reference server did not answer within 60 s; see " + log);
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    long pid() {
        return process.pid();
    }

    String describe() {
        return "azure-mobile-apps 4.0.2 (express 4.22.3, sqlite3 6.0.1, SQLite synchronous=FULL, journal=DELETE) on Node.js "
                + version;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        GatewayProcess.deleteTree(home);
    }

    static List<String> tables() {
        return List.of("todoitem", "pullitem");
    }
}
