package io.edgesync.deployment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import io.edgesync.embedded.EmbeddedPostgresServer;

/**
 * The one PostgreSQL server of {@code deploy/local-topology.sh}: a real PostgreSQL 17 from the binaries the application
 * already ships (zonky), on 127.0.0.1, with one database per EdgeSync process. It runs until SIGTERM, then stops the
 * server cleanly.
 *
 * <p> It lives in the test sources because it is a tool, not part of the application; {@code ./mvnw package} compiles
 * it (also with {@code -DskipTests}), and the script runs it with the packaged application's class path:
 *
 * <pre> java -cp target/test-classes:target/quarkus-app/app/*:target/quarkus-app/lib/main/* \
 * io.edgesync.deployment.TopologyPostgres DATA_DIR PORT READY_FILE DATABASE... </pre>
 *
 * When PostgreSQL accepts connections and every database exists, the port is written to {@code READY_FILE}
 * (atomically), which is what the script waits for. Reusing {@link EmbeddedPostgresServer} gives the same behaviour as
 * the local default: data kept across runs, and an orphaned postmaster from a killed run taken over instead of blocking
 * the port.
 */
public final class TopologyPostgres {

    private TopologyPostgres() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: TopologyPostgres DATA_DIR PORT READY_FILE DATABASE...");
            System.exit(2);
        }
        Path dataDir = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        Path readyFile = Path.of(args[2]).toAbsolutePath();
        List<String> databases = List.of(args).subList(3, args.length);
        Files.deleteIfExists(readyFile);

        EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dataDir, port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Stopping PostgreSQL");
            server.close();
            stopped.countDown();
        }, "topology-postgres-shutdown"));
        if (server.port() != port) {
            // The preferred port is taken; another port would surprise the processes configured for this one.
            System.err.println("Port " + port + " is in use; PostgreSQL cannot listen on it");
            System.exit(1);
        }
        List<String> created = new ArrayList<>();
        for (String database : databases) {
            server.createDatabaseIfMissing(database);
            created.add(database);
        }
        writeAtomically(readyFile, Integer.toString(server.port()));
        System.out.println("PostgreSQL ready on 127.0.0.1:" + server.port() + ", databases " + created + ", data "
                + server.dataDirectory());
        stopped.await();
    }

    private static void writeAtomically(Path file, String content) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temporary, content + "\n", StandardCharsets.UTF_8);
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
