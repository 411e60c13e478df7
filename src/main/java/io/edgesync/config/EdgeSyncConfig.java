package io.edgesync.config;

import java.util.Map;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/** EdgeSync's own settings, all under the {@code edgesync.} prefix. */
@ConfigMapping(prefix = "edgesync")
public interface EdgeSyncConfig {

    /** Which parts of EdgeSync this process runs: {@code all} (default), {@code edge} or {@code central}. */
    @WithDefault("all")
    Role role();

    /** The embedded PostgreSQL and Kafka of the local default. */
    Embedded embedded();

    /** Which sync tables exist and how they behave. */
    Tables tables();

    /** Wire-protocol choices of the ZUMO / Datasync table endpoints. */
    Protocol protocol();

    /** Sync tables. */
    interface Tables {

        /**
         * Serve any table name: an unknown table is empty until its first write, which creates it with soft delete on
         * and a dynamic schema. On in the local default, off unless set in production (unknown tables answer 404).
         */
        @WithDefault("false")
        boolean autoCreate();

        /** Tables declared up front, by name (matched case-insensitively). */
        @WithName("declared")
        Map<String, DeclaredTable> declared();
    }

    /** A table declared in configuration. */
    interface DeclaredTable {

        /** Deletes keep a tombstone that clients see ({@code deleted: true}) and can undelete. */
        @WithDefault("true")
        boolean softDelete();

        /** Columns not declared below are accepted and added as clients send them. */
        @WithDefault("true")
        boolean dynamicSchema();

        /** Declared user columns: name to type ({@code string}, {@code number}, {@code boolean}, {@code datetime}). */
        Map<String, String> columns();
    }

    /** Table protocol settings. */
    interface Protocol {

        /** Reject requests without a ZUMO-API-VERSION (query parameter or header) with 400, as AMS does. */
        @WithDefault("false")
        boolean strictVersion();

        /** Azure Mobile Apps (2.0.0) paging. */
        @WithName("v2")
        Paging v2();

        /** Datasync (3.0.0) paging. */
        @WithName("v3")
        V3Paging v3();
    }

    interface Paging {

        /** Rows per page when the client asks for more or gives no $top. */
        @WithDefault("50")
        int pageSize();

        /** Largest $top honoured; a larger one is clamped to the page size with a next link. */
        @WithDefault("1000")
        int maxTop();
    }

    interface V3Paging {

        /** Rows per page when the client asks for more or gives no $top. */
        @WithDefault("100")
        int pageSize();

        /** Largest $top accepted; a larger one is a 400. */
        @WithDefault("128000")
        int maxTop();

        /**
         * Form of the {@code nextLink} property: {@code query} (a bare query string, as the CommunityToolkit client
         * expects) or {@code absolute} (an absolute URL, for Microsoft.Datasync.Client fleets).
         */
        @WithDefault("query")
        NextLinkStyle nextLink();
    }

    /** How a v3 next link is written. */
    enum NextLinkStyle {
        QUERY, ABSOLUTE
    }

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
