package io.edgesync;

import io.edgesync.embedded.BootConfig;
import io.edgesync.embedded.EmbeddedInfrastructure;
import io.edgesync.security.LocalSecurity;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * Entry point: starts the embedded PostgreSQL and Kafka of the local default when no external endpoints are configured,
 * then boots Quarkus.
 */
@QuarkusMain
public final class EdgeSyncMain {

    public static void main(String... args) {
        BootConfig config = BootConfig.load();
        EmbeddedInfrastructure.Started started = EmbeddedInfrastructure.startIfNeeded(config);
        if (started.postgres().isPresent() || started.kafka().isPresent()) {
            LocalSecurity.configure(config);
        }
        Quarkus.run(args);
    }
}
