package io.edgesync.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.edgesync.odata.ODataLimits;
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

        /** The declaration of the table {@code name}, matched case-insensitively; empty when it is not declared. */
        default Optional<DeclaredTable> declaredTable(String name) {
            String key = name.toLowerCase(Locale.ROOT);
            return declared().entrySet()
                    .stream()
                    .filter(entry -> entry.getKey().toLowerCase(Locale.ROOT).equals(key))
                    .map(Map.Entry::getValue)
                    .findFirst();
        }

        /**
         * Conflict policy of tables that do not name one: {@code server-wins}, {@code client-wins},
         * {@code last-writer-wins}, {@code merge} or {@code custom:<bean name>} (a CDI bean implementing
         * {@code io.edgesync.conflict.ConflictPolicy}, annotated {@code @Named("<bean name>")}).
         */
        @WithDefault("server-wins")
        String defaultConflictPolicy();

        /** What decides overlapping field changes under the {@code merge} policy (any policy but merge). */
        @WithDefault("server-wins")
        String mergeFallback();

        /**
         * Tombstones of deleted rows are purged once every active device has pulled past them, and in any case after
         * this many days.
         */
        @WithDefault("30")
        int tombstoneRetentionDays();

        /**
         * A tombstone whose columns were purged stays as an id-only tombstone (id, version, deleted) for this many days
         * after the delete, so that a device coming back after a long time still learns of the delete; then it goes,
         * and a native token from before it must resync (410). The table protocol has no resync signal: a ZUMO device
         * away longer than this keeps a deleted row.
         */
        @WithDefault("365")
        int idTombstoneRetentionDays();

        /**
         * On tables whose conflict policy merges, the state of a record at each version is kept this many days, as the
         * base of a three-way merge of a device's change from that version; a device that comes back later than this
         * with a change gets it decided without its base, column by column (the conflict log says {@code baseMissing}).
         * The default matches {@code id-tombstone-retention-days}, after which a native device has to resync anyway.
         */
        @WithDefault("365")
        int mergeBaseRetentionDays();

        /** A device that has not been seen for this many days no longer holds tombstones back. */
        @WithDefault("14")
        int activeDeviceDays();

        /** How often the tombstone purge runs, in seconds. */
        @WithDefault("300")
        int purgeIntervalSeconds();

        /**
         * How often, in seconds, the gateway looks for tables of its database that have changed more since their last
         * {@code ANALYZE} than they held then (a table growing from empty in its first minutes), and analyzes them at
         * once instead of waiting for autovacuum: statements planned while a table was nearly empty would otherwise
         * keep scanning it whole. {@code 0} turns it off.
         */
        @WithDefault("10")
        int statisticsCheckSeconds();

        /**
         * The rows of a table that this edge holds, for tables that do not declare their own {@code edge-scope}:
         * {@code all} (every row); {@code owners} (the rows of the users who have pulled or written through this edge,
         * fetched from central when a user first arrives, evicted after {@code edgesync.edge.owners.idle-days}; tables
         * with rows per user only); or an OData {@code $filter} over the table's user columns and {@code id} (only the
         * rows that match it, e.g. {@code region eq 'north'}): this edge skips changes of other rows, removes a row
         * from its cache when it stops matching (its devices pull it as deleted; it stays intact everywhere else), and
         * fills its cache from central when the scope is new. Without effect in the central role.
         */
        @WithDefault("all")
        String defaultEdgeScope();
    }

    /** A table declared in configuration. */
    interface DeclaredTable {

        /** Deletes keep a tombstone that clients see ({@code deleted: true}) and can undelete. */
        @WithDefault("true")
        boolean softDelete();

        /**
         * Columns not declared below are accepted as clients send them: added to the table when its rows are shared,
         * each row's own when rows are per user.
         */
        @WithDefault("true")
        boolean dynamicSchema();

        /** Declared user columns: name to type ({@code string}, {@code number}, {@code boolean}, {@code datetime}). */
        Map<String, String> columns();

        /** This table's conflict policy; {@code edgesync.tables.default-conflict-policy} when absent. */
        Optional<String> conflictPolicy();

        /**
         * The rows of this table that this edge holds: {@code all}, {@code owners}, or an OData {@code $filter} over
         * the table's user columns and {@code id}; {@code edgesync.tables.default-edge-scope} when absent.
         */
        Optional<String> edgeScope();

        /**
         * When an operation on this table conflicts or fails in a native push, park the device's later operations on
         * this table behind it until an administrator retries or discards it.
         */
        @WithDefault("false")
        boolean stopOnConflict();

        /** Callers without a token may read and write this table (their rows belong to nobody). */
        @WithDefault("false")
        boolean anonymous();

        /** Roles that may read this table; empty: any authenticated caller. */
        Optional<List<String>> readRoles();

        /** Roles that may write this table; empty: any authenticated caller. */
        Optional<List<String>> writeRoles();

        /**
         * Rows belong to the user who inserted them (the token's subject): queries, pulls and pushes of a user only
         * ever see that user's rows. Off: all authorised callers share the rows.
         */
        @WithDefault("true")
        boolean perUser();
    }

    /** Authentication and authorisation. */
    Security security();

    /** Sign-in through identity providers ({@code /.auth/login/{provider}}) and the session tokens it gives. */
    Auth auth();

    /**
     * Sign-in the way Azure App Service authentication does it ({@code /.auth/login/{provider}}), over OpenID Connect
     * providers: the gateway verifies the provider's token and answers with a session token of its own, which every
     * endpoint accepts like any other bearer token.
     */
    interface Auth {

        /** The identity providers apps sign in with, by the name in {@code /.auth/login/{name}} (e.g. {@code aad}). */
        @WithName("providers")
        Map<String, Provider> providers();

        /** The session tokens the gateway signs after a sign-in. */
        Session session();

        /** One OpenID Connect provider. */
        interface Provider {

            /**
             * The provider's issuer URL, exactly as it appears in its tokens; its discovery document is read from
             * {@code <issuer>/.well-known/openid-configuration} (signing keys, authorization and token endpoints).
             */
            String issuer();

            /** The client id this gateway (or the app) is registered with at the provider. */
            String clientId();

            /**
             * The client secret, for the server-directed flow and for exchanging an authorization code; not needed for
             * the client-directed flow with an id or access token. Never logged.
             */
            Optional<String> clientSecret();

            /**
             * Audiences accepted in the provider's tokens, comma-separated; default the client id. Access tokens issued
             * for an API of your own carry that API's id here.
             */
            Optional<List<String>> audience();

            /**
             * Scopes asked for in the server-directed flow; {@code offline_access} lets {@code /.auth/refresh} renew.
             */
            @WithDefault("openid,profile,email")
            List<String> scopes();

            /** The claim of the provider's token that identifies the user (the row owner). */
            @WithDefault("sub")
            String userIdClaim();

            /**
             * Whether the user id is qualified with the provider name ({@code <provider>:<claim value>}), so that users
             * of two providers never share an id. Turn it off to use the claim value as it is, the same owner the
             * provider's own tokens give when an app sends them directly.
             */
            @WithDefault("true")
            boolean qualifyUserId();

            /**
             * The claim holding the user's roles at the provider (a string or an array; a dotted path such as
             * {@code realm_access.roles} reaches into objects). Without it, users signed in through this provider have
             * no roles.
             */
            Optional<String> rolesClaim();

            /**
             * Gateway roles by provider role ({@code role-mapping."Sync.Admins"=admin}). When empty, the provider's
             * roles are taken as they are; otherwise only mapped roles are given.
             */
            Map<String, String> roleMapping();

            /**
             * Where the server-directed flow may send the browser afterwards ({@code post_login_redirect_url}), and the
             * origins the browser SDK's popup may hand the token to ({@code completion_origin}): URLs compared by
             * scheme, host, port and path prefix. Anything else is refused. The gateway's own {@code /.auth/login/done}
             * is always allowed.
             */
            Optional<List<String>> redirectUrls();
        }

        /** Session tokens. */
        interface Session {

            /** How long a session token is valid. */
            @WithDefault("PT1H")
            Duration lifetime();

            /**
             * How long after its expiry a session token can still be exchanged at {@code /.auth/refresh} for a fresh
             * one, while the provider session lasts (App Service's token refresh extension).
             */
            @WithDefault("PT72H")
            Duration refreshWindow();

            /**
             * How often the gateway starts a new signing key. Keys live in the database, shared by the replicas of an
             * edge; an old key keeps verifying until the last token it signed can no longer be refreshed, so rotation
             * logs nobody out.
             */
            @WithDefault("P7D")
            Duration keyRotation();

            /** Issuer of session tokens. */
            @WithDefault("edgesync-session")
            String issuer();

            /**
             * The public URL of this gateway as the browser sees it, for the redirect URL registered at the providers
             * ({@code <base>/.auth/login/<provider>/callback}); default the scheme and host of the request (also behind
             * a trusted proxy).
             */
            Optional<String> publicUrl();
        }
    }

    interface Security {

        /**
         * Requests without a token are served as anonymous on every table, and the admin API and metrics are open: the
         * local default, never production. Tokens are still verified when sent.
         */
        @WithDefault("false")
        boolean anonymous();

        /** Role that may use the admin API and read metrics. */
        @WithDefault("admin")
        String adminRole();

        /**
         * Role of the edges' own tokens: the central role's API for edges ({@code /central/v1/*}, the master rows an
         * edge backfills from) answers only to it, or to anyone where the whole gateway is anonymous. Devices never
         * have it; keep that API off their network too.
         */
        @WithDefault("edge")
        String edgeRole();

        /**
         * Addresses (IPs or CIDR ranges) of the reverse proxies in front of the gateway: only from these are the
         * {@code X-Forwarded-For}, {@code -Host} and {@code -Proto} headers believed (the client address the rate
         * limits count, and the scheme and host of next links and {@code Location}). Requests from anywhere else are
         * taken as they came. Behind a Kubernetes ingress, the pod network of its controller.
         */
        @WithDefault("127.0.0.1/32,::1/128")
        List<String> trustedProxies();

        /**
         * Development tokens: {@code POST /dev/tokens} signs tokens with the local key pair. On in the local default
         * only.
         */
        @WithDefault("false")
        boolean devTokens();
    }

    /** This edge site. */
    Edge edge();

    interface Edge {

        /**
         * The edge's id: the source of its CUD events and part of its consumer group name, so edges sharing one Kafka
         * stay apart. Default: the host name.
         */
        Optional<String> id();

        /** How this edge reaches the central role's API for edges, to fill the part of a table its scope holds. */
        CentralApi central();

        /** The users whose rows this edge holds in tables whose {@code edge-scope} is {@code owners}. */
        Owners owners();
    }

    /** Users of tables whose scope is {@code owners}: who arrives, how long a first pull waits, who is evicted. */
    interface Owners {

        /**
         * How long a user's first pull at this edge waits for their rows to arrive from central before it answers 503
         * with {@code Retry-After}; writes never wait.
         */
        @WithDefault("10")
        int backfillWaitSeconds();

        /**
         * A user who has not pulled or written at this edge for this many days is evicted: their rows and their
         * devices' replicas go from this edge (nowhere else), and come back by backfill when they return.
         */
        @WithDefault("30")
        int idleDays();

        /**
         * How often, in seconds, this process reads which users the edge holds (those whose state changed since its
         * last read), so that users who arrived through or were evicted by another replica of the edge are held here
         * too, or no longer; a user's rows are fetched once more after twice this time, for the changes a replica
         * skipped before it knew the user.
         */
        @WithDefault("5")
        int refreshSeconds();

        /** How often, in minutes, idle users are looked for and evicted. */
        @WithDefault("60")
        int evictionIntervalMinutes();
    }

    /** The central role's API for edges, as an edge calls it ({@code /central/v1/*}). */
    interface CentralApi {

        /**
         * Base URL of the central role's HTTP API (e.g. {@code http://edgesync-central:8080}). Needed by an edge whose
         * tables have a filter as {@code edge-scope}; in role {@code all} the process's own HTTP port when absent.
         */
        Optional<String> url();

        /**
         * Bearer token of this edge, with the role {@code edgesync.security.edge-role}; not needed when central runs in
         * anonymous mode.
         */
        Optional<String> token();

        /** Rows per page of a backfill: each page is applied in one transaction and then recorded as done. */
        @WithDefault("500")
        int pageSize();

        /** How long a call to central may take before it counts as failed, in seconds. */
        @WithDefault("30")
        int timeoutSeconds();

        /** Seconds between attempts while central cannot be reached. */
        @WithDefault("5")
        int retrySeconds();
    }

    /** Kafka topics and consumer groups. */
    Events events();

    interface Events {

        /** Topic of the CUD events edges publish (key {@code table/id}). */
        @WithDefault("edgesync.cud")
        String cudTopic();

        /** Compacted topic of accepted row states the central service publishes. */
        @WithDefault("edgesync.changes")
        String changesTopic();

        /** Topic of cross-edge conflicts (both sides and the resolution). */
        @WithDefault("edgesync.conflicts")
        String conflictsTopic();

        /**
         * Topic of the central service's heartbeats (one partition, kept an hour): edges measure by them how current
         * their change stream is, also while nothing changes.
         */
        @WithDefault("edgesync.heartbeats")
        String heartbeatsTopic();

        /** How often the central service publishes a heartbeat, in seconds. */
        @WithDefault("5")
        int heartbeatIntervalSeconds();

        /**
         * Readiness of an edge reports its change stream {@code stalled} (and stays UP for devices) when neither a
         * change nor a heartbeat of the central service has arrived for this long, in seconds, or when the central
         * service says it cannot apply events.
         */
        @WithDefault("20")
        int stalledAfterSeconds();

        /** Partitions of the topics created at start-up (the heartbeats topic has one). */
        @WithDefault("6")
        int partitions();

        /** Replication factor of the topics created at start-up. */
        @WithDefault("1")
        short replicationFactor();

        /** Create missing topics at start-up (the local default; in Kubernetes they are Strimzi KafkaTopics). */
        @WithDefault("true")
        boolean createTopics();

        /** Consumer group of the central service (shared by all central instances). */
        @WithDefault("edgesync-central")
        String centralGroup();

        /** Prefix of each edge's consumer group of the change stream; the edge id is appended. */
        @WithDefault("edgesync-edge-")
        String edgeGroupPrefix();

        /** Outbox rows relayed per batch. */
        @WithDefault("500")
        int relayBatchSize();

        /** Pause of the relay when the outbox is empty or Kafka is unreachable, in milliseconds. */
        @WithDefault("200")
        int relayIdleMillis();

        /**
         * How many days outbox rows (edge and central) are kept after Kafka acknowledged them, for operators to inspect
         * what was published; nothing else reads them. 0 (the default) deletes each row as soon as Kafka acknowledged
         * it: Kafka holds what was published. Keeping rows costs the database a second write of each (marking it sent)
         * and a table that grows by every change of the period.
         */
        @WithDefault("0")
        int outboxRetentionDays();

        /**
         * The central service remembers the id of every CUD event it processed for this many days, so a redelivered
         * event (at-least-once delivery) has no second effect.
         */
        @WithDefault("30")
        int processedEventRetentionDays();

        /** How often the outbox and processed-event retention runs, in seconds. */
        @WithDefault("3600")
        int retentionIntervalSeconds();

        /**
         * Readiness reports "events delayed" (and stays UP for devices) when the oldest unpublished change is older
         * than this, in seconds, or when Kafka does not answer.
         */
        @WithDefault("30")
        int delayedAfterSeconds();
    }

    /** Limits on what clients may send; every one answers a clear 4xx JSON error. */
    Limits limits();

    interface Limits {

        /** The bounds of an OData query ({@code $filter} and {@code $orderby}, an edge scope) these limits set. */
        default ODataLimits odata() {
            return new ODataLimits(maxQueryLength(), maxFilterDepth(), ODataLimits.DEFAULT_MAX_IN_LIST_SIZE);
        }

        /**
         * Largest request body, in bytes (413 above): a {@code Content-Length} over it is refused before the body is
         * read, and a body without one (chunked) is counted while it is read and cut off at the limit.
         */
        @WithDefault("1048576")
        int maxBodyBytes();

        /** Largest single item (a record's JSON), in bytes (413 above). */
        @WithDefault("65536")
        int maxItemBytes();

        /**
         * Most user columns in one item, and in one table whose rows (and so schema) are shared, dynamic schema (400
         * above).
         */
        @WithDefault("256")
        int maxColumns();

        /** Longest {@code $filter}, {@code $orderby} or {@code $select}, in characters (400 above). */
        @WithDefault("4096")
        int maxQueryLength();

        /**
         * Longest a database statement of the gateway may run, in milliseconds: PostgreSQL cancels it then and the
         * request answers 503 with {@code Retry-After} (a {@code $filter} too costly for the table, a lock held too
         * long). Set on the gateway's database sessions at connect time.
         */
        @WithDefault("15000")
        int statementTimeoutMillis();

        /**
         * Longest the gateway waits to open a connection to the database, in milliseconds: a request that needs one
         * answers 503 with {@code Retry-After} after that.
         */
        @WithDefault("3000")
        int databaseConnectTimeoutMillis();

        /**
         * Longest a request waits for a free database connection of the pool, in milliseconds (503 with
         * {@code Retry-After} after that): bounds the wait when every connection is busy or stuck.
         */
        @WithDefault("5000")
        int databaseAcquireTimeoutMillis();

        /**
         * Longest a device waits for an answer of the table protocol or the native API, in milliseconds: 503 with
         * {@code Retry-After} after that (a database that stopped answering). Change streams are not bounded; 0 turns
         * the bound off.
         */
        @WithDefault("10000")
        int requestTimeoutMillis();

        /** Deepest nesting of parentheses, functions and unary operators in {@code $filter} (400 above). */
        @WithDefault("32")
        int maxFilterDepth();

        /** Largest {@code $skip} (400 above): deep offsets scan the table; clients page by watermark instead. */
        @WithDefault("100000")
        long maxSkip();

        /** Most operations in one native push (400 above). */
        @WithDefault("1000")
        int maxBatchOperations();

        /** Most open change-notification streams per device (429 above). */
        @WithDefault("4")
        int maxStreamsPerDevice();

        /**
         * Most open change-notification streams per user, over all the devices it names (429 above); callers without a
         * token count per client address.
         */
        @WithDefault("16")
        int maxStreamsPerUser();

        /** Per-device request rate limiting (429 with Retry-After). */
        RateLimit rateLimit();

        interface RateLimit {

            /** Whether requests are rate limited per device (or per user, or per client address). */
            @WithDefault("true")
            boolean enabled();

            /**
             * Sustained requests per second a device may send. The default sits above what the Azure clients send at
             * full speed (a bulk import with 12 requests in flight, a paged pull, a long offline queue), which they do
             * not retry when refused: the limit stops runaway loops, not legitimate syncs.
             */
            @WithDefault("1000")
            int requestsPerSecond();

            /** Requests a device may send in a burst above the sustained rate. */
            @WithDefault("5000")
            int burst();

            /**
             * Sustained requests per second of one caller, whatever devices it names: a user (by the token it sends),
             * else a client address (callers without a token behind one NAT share it).
             */
            @WithDefault("2000")
            int callerRequestsPerSecond();

            /** Requests a caller may send in a burst above its sustained rate. */
            @WithDefault("10000")
            int callerBurst();
        }
    }

    /**
     * When changes become visible to pulls: stamps below the visibility horizon
     * (docs/adr/0003-stamps-below-a-visibility-horizon.md).
     */
    Visibility visibility();

    interface Visibility {

        /**
         * Shortest pause between two reads of the tables' clocks while changes wait to become visible, in milliseconds:
         * a change becomes pullable a read or two after its commit.
         */
        @WithDefault("2")
        int intervalMillis();

        /**
         * How often the clocks are read when this process wrote nothing, in milliseconds: picks up changes made through
         * other replicas of this edge when their notification was lost.
         */
        @WithDefault("1000")
        int idlePollMillis();

        /**
         * Longest time a pull waits for this process's own committed changes of its table to become visible, in
         * milliseconds (a device sees its own writes in its next pull); afterwards the pull answers what is visible.
         */
        @WithDefault("1000")
        int pullWaitMillis();

        /**
         * A change that has not become visible after this many seconds means a transaction somewhere in the database
         * cluster holds the horizon back: readiness shows it, and the blocking session is logged once.
         */
        @WithDefault("5")
        int heldBackAfterSeconds();
    }

    /** Change notifications to devices. */
    Notifications notifications();

    interface Notifications {

        /**
         * The longest window, in milliseconds, in which a table's changes are announced once: the first change of a
         * quiet table at once, the others when the window ends. The window is shorter while few streams are open (see
         * {@code deliveries-per-second}).
         */
        @WithDefault("100")
        int coalesceMillis();

        /**
         * Announcements per second of one table's changes that the open streams may get together, since every
         * announcement may start a pull on every stream: the window is as long as announcing to every open stream at
         * this rate takes (10 ms for one stream at 100), at most {@code coalesce-millis}. 0 keeps the window at
         * {@code coalesce-millis} whatever the number of streams.
         */
        @WithDefault("100")
        int deliveriesPerSecond();

        /** Seconds between keep-alive comments on an idle server-sent-event stream. */
        @WithDefault("15")
        int heartbeatSeconds();
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

            /**
             * Whether the embedded PostgreSQL loads {@code pg_stat_statements} (after {@code CREATE EXTENSION
             * pg_stat_statements}, the view shows each statement's calls and time): to find what the database spends
             * its time on, at a small cost per statement. Takes effect when the server starts.
             */
            @WithDefault("false")
            boolean statementStatistics();
        }

        interface Kafka {

            /** Client port on 127.0.0.1; when it is taken, a free port is used and the start-up banner says which. */
            @WithDefault("9092")
            int port();
        }
    }
}
