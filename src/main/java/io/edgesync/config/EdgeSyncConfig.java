package io.edgesync.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** EdgeSync's own settings, all under the {@code edgesync.} prefix. */
@ConfigMapping(prefix = "edgesync")
public interface EdgeSyncConfig {

    /** Which parts of EdgeSync this process runs: {@code all} (default), {@code edge} or {@code central}. */
    @WithDefault("all")
    Role role();

    /** The embedded PostgreSQL and Kafka of the local default. */
    Embedded embedded();

    /**
     * The local default. The servers start only for what has no external endpoint: a datasource URL
     * ({@code quarkus.datasource.reactive.url} or {@code quarkus.datasource.jdbc.url}) disables the embedded
     * PostgreSQL, {@code kafka.bootstrap.servers} the embedded Kafka. These keys are read before Quarkus boots.
     */
    interface Embedded {

        /**
         * Whether missing endpoints are replaced by embedded servers. Turn it off in production so that a missing URL
         * fails the start instead of starting a server inside the pod.
         */
        @WithDefault("true")
        boolean enabled();

        /** Directory that holds the embedded servers' data ({@code postgres/} and {@code kafka/}); kept across runs. */
        @WithDefault("data")
        String dataDir();

        /** The embedded PostgreSQL. */
        Postgres postgres();

        /** The embedded Kafka broker. */
        Kafka kafka();

        interface Postgres {

            /** Port on 127.0.0.1; when it is taken, a free port is used and the start-up banner says which. */
            @WithDefault("5432")
            int port();

            /** Database created on first start and used by the application. */
            @WithDefault("edgesync")
            String database();
        }

        interface Kafka {

            /** Client port on 127.0.0.1; when it is taken, a free port is used and the start-up banner says which. */
            @WithDefault("9092")
            int port();
        }
    }
}
