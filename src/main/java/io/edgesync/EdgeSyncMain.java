package io.edgesync;

import io.edgesync.embedded.BootConfig;
import io.edgesync.embedded.EmbeddedInfrastructure;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * Entry point: starts the embedded PostgreSQL and Kafka of the local default when no external endpoints are configured,
 * then boots Quarkus.
 */
@QuarkusMain
public final class EdgeSyncMain {

    public static void main(String... args) {
        EmbeddedInfrastructure.startIfNeeded(BootConfig.load());
        Quarkus.run(args);
    }
}
