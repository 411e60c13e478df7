package io.edgesync;

import io.edgesync.embedded.BootConfig;
import io.edgesync.embedded.EmbeddedInfrastructure;
import io.edgesync.embedded.Ports;
import io.edgesync.security.LocalSecurity;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * Entry point: checks that the HTTP port is free (one clear line and exit code 1 when it is not), starts the embedded
 * PostgreSQL and Kafka of the local default when no external endpoints are configured, then boots Quarkus.
 */
@QuarkusMain
public final class EdgeSyncMain {

    public static void main(String... args) {
        BootConfig config = BootConfig.load();
        int httpPort = config.intValue("quarkus.http.port", 8080);
        if (httpPort > 0 && !Ports.isFree(httpPort)) {
            // Before anything starts: the embedded servers would otherwise move to free ports for nothing.
            System.err.println("EdgeSync cannot start: port " + httpPort + " is in use by another process. Stop it,"
                    + " or choose another port: -Dquarkus.http.port=<port> (QUARKUS_HTTP_PORT=<port>).");
            System.exit(1);
        }
        EmbeddedInfrastructure.Started started = EmbeddedInfrastructure.startIfNeeded(config);
        if (started.postgres().isPresent() || started.kafka().isPresent()) {
            LocalSecurity.configure(config);
        }
        Quarkus.run(args);
    }
}
