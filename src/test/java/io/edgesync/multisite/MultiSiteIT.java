package io.edgesync.multisite;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.ProtocolDates;
import io.edgesync.compat.NodeScripts;
import io.edgesync.embedded.EmbeddedKafkaBroker;
import io.edgesync.embedded.EmbeddedPostgresServer;
import io.edgesync.embedded.Ports;
import io.edgesync.security.DevKeys;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.smallrye.jwt.build.Jwt;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two edges with their own cache databases and one central service, three packaged-jar processes sharing one Kafka
 * broker and one PostgreSQL server (databases edge1, edge2, central), started once for all scenarios. Most scenarios
 * use table todoitem, which every edge holds whole; then table regional, of which edge 1 holds the north and edge 2 the
 * south (edge scopes), each filling its part from central's API for edges with a token the test signs; the last ones
 * table journal (rows per user), which edges 1 and 2 hold whole and a fourth edge, started for them, holds of the users
 * who come to it (scope owners), fetching a user's rows from central's API for edges when they first come.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiSiteIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TABLE = "todoitem";
    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final String REGIONAL = SiteProcess.REGIONAL;
    private static final String SCOPE_OF_REGIONAL = "edgesync.tables.declared." + REGIONAL + ".edge-scope";
    private static final String JOURNAL = SiteProcess.JOURNAL;
    /** The role of the edges' tokens at central: {@code edgesync.security.edge-role}, left at its default. */
    private static final String EDGE_ROLE = "edge";
    /** The admin role at central ({@code edgesync.security.admin-role}, at its default): readiness details. */
    private static final String ADMIN_ROLE = "admin";

    private static Path root;
    private static EmbeddedPostgresServer postgres;
    private static EmbeddedKafkaBroker broker;
    private static Path kafkaDir;
    private static int kafkaPort;
    private static Map<String, String> verification;
    private static PrivateKey signingKey;
    private static SiteProcess central;
    private static SiteProcess edge1;
    private static SiteProcess edge2;
    /**
     * The edge that holds table journal by owner: started by the first scenario that needs it (see ownersEdgeRunning).
     */
    private static SiteProcess edge4;
    private static final List<SiteProcess> processes = new ArrayList<>();

    @BeforeAll
    static void startSites() throws Exception {
        // An aborted run must not leave three JVMs, a postmaster and a broker behind.
        Runtime.getRuntime().addShutdownHook(new Thread(MultiSiteIT::stopEverything, "multisite-it-cleanup"));
        root = SiteProcess.JAR.getParent()
                .getParent()
                .resolve("multisite-it")
                .resolve(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                        .format(LocalDateTime.now(ZoneId.systemDefault())));
        Files.createDirectories(root);
        postgres = EmbeddedPostgresServer.start(root.resolve("postgres"), 0);
        for (String database : List.of("central", "edge1", "edge2", "edge3", "edge4")) {
            postgres.createDatabaseIfMissing(database);
        }
        kafkaDir = root.resolve("kafka");
        broker = EmbeddedKafkaBroker.start(kafkaDir, 0, Map.of());
        kafkaPort = broker.port();

        // One identity provider for every site: tokens the test signs with its key are valid at both edges.
        verification = DevKeys.ensureKeys(root.resolve("jwt"));
        signingKey = privateKey(root.resolve("jwt").resolve(DevKeys.PRIVATE_KEY));
        // Central verifies them too and serves no caller without one: its API for edges answers only to the edges'
        // tokens, which the test signs with the edges' role, and the details of its readiness only to the admin role
        // It keeps its relayed outbox rows (as an operator may, to audit what it published): the scenarios count its
        // publications there, where a relay's resend after a broker failure leaves no copy as it may in Kafka
        central = track(SiteProcess.central(root, postgres.reactiveUrl("central"), broker.bootstrapServers())
                .with(verification)
                .with(Map.of("edgesync.security.anonymous", "false", "edgesync.events.outbox-retention-days", "7"))
                .withAdminToken(signedToken("operator", ADMIN_ROLE)));
        // Each edge holds one region of table regional, filled from central's API for edges with its token
        edge1 = track(SiteProcess.edge("edge1", root, postgres.reactiveUrl("edge1"), broker.bootstrapServers())
                .with(verification)
                .with(scopedTo("edge1", "region eq 'north'")));
        edge2 = track(SiteProcess.edge("edge2", root, postgres.reactiveUrl("edge2"), broker.bootstrapServers())
                .with(verification)
                .with(scopedTo("edge2", "region eq 'south'")));
        Stream.of(central, edge1, edge2).forEach(SiteProcess::start);
        Stream.of(central, edge1, edge2).forEach(SiteProcess::awaitReady);
        Stream.of(central, edge1, edge2).forEach(MultiSiteIT::awaitEventsFlowing);
    }

    @AfterAll
    static void stopSites() throws IOException {
        stopEverything();
        // Keep the processes' logs for a look after the run, not the servers' data.
        for (Path data : List.of(root.resolve("postgres"), kafkaDir)) {
            try (Stream<Path> paths = Files.walk(data)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    private static synchronized void stopEverything() {
        processes.forEach(SiteProcess::stop);
        processes.clear();
        if (broker != null) {
            broker.close();
            broker = null;
        }
        if (postgres != null) {
            postgres.close();
            postgres = null;
        }
    }

    private static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
        String base64 = Files.readString(pem, StandardCharsets.US_ASCII).replaceAll("-----[A-Z ]+-----", "");
        byte[] der = Base64.getMimeDecoder().decode(base64);
        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
    }

    private static SiteProcess track(SiteProcess process) {
        processes.add(process);
        return process;
    }

    /** An edge's scope of table regional, and how it reaches central's API for edges: central's URL, its token. */
    private static Map<String, String> scopedTo(String edgeId, String scope) {
        return Map.of(SCOPE_OF_REGIONAL, scope,
                "edgesync.edge.central.url", central.baseUrl(),
                "edgesync.edge.central.token", signedToken(edgeId, EDGE_ROLE));
    }

    /** A token the test signs for a caller with one role, valid for longer than the test runs. */
    private static String signedToken(String subject, String role) {
        return Jwt.issuer(DevKeys.ISSUER)
                .audience(DevKeys.AUDIENCE)
                .subject(subject)
                .groups(Set.of(role))
                .expiresIn(Duration.ofHours(4))
                .sign(signingKey);
    }

    // ---------------------------------------------------------------------------------------------------- scenarios

    @Test
    @Order(1)
    void rowWrittenThroughEdge1IsPulledThroughEdge2WithinSeconds() {
        // Given a device of edge 2 that has pulled up to now
        String watermark = ProtocolDates.format(Instant.now().minusSeconds(1));

        // When a device of edge 1 inserts a row
        Response created = edge1.device("phone-1")
                .contentType(ContentType.JSON)
                .body("{\"text\":\"written at edge 1\",\"complete\":false}")
                .post("/tables/" + TABLE);
        assertThat(created.statusCode()).isEqualTo(201);
        String id = created.path("id");
        String version = created.path("version");
        long written = System.nanoTime();

        // Then the next incremental pull of the edge 2 device returns it, within a few seconds
        Awaitility.await("row on edge 2")
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    Response pull = edge2.device("phone-2")
                            .queryParam("$filter", "(updatedAt ge datetimeoffset'" + watermark + "')")
                            .queryParam("$orderby", "updatedAt")
                            .queryParam("__includeDeleted", "true")
                            .get("/tables/" + TABLE);
                    assertThat(pull.statusCode()).isEqualTo(200);
                    assertThat(pull.jsonPath().getList("findAll { it.id == '" + id + "' }.version"))
                            .containsExactly(version);
                });
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - written);
        System.out.printf("MultiSiteIT: row written at edge 1 pulled at edge 2 after %d ms%n", millis);
        Response onEdge2 = edge2.device("phone-2").get("/tables/" + TABLE + "/" + id);
        assertThat(onEdge2.path("text").toString()).isEqualTo("written at edge 1");
        // And the record is the same there: createdAt is set once, where the record was created
        assertThat(onEdge2.path("createdAt").toString()).isEqualTo(created.path("createdAt").toString());
    }

    @Test
    @Order(2)
    void concurrentConflictingWritesThroughBothEdgesConvergeAndTheLoserIsInTheConflictsTopic() throws Exception {
        // Given a row both edges have, which a device of each edge changes at the same moment; when one edge already
        // had the other's change as its device's request arrived (a busy machine), there was no conflict, and the race
        // runs again with a new row
        String found = null;
        for (int attempt = 0; attempt < 5 && found == null; attempt++) {
            String raced = changeOneRowThroughBothEdgesAtOnce();
            if (queryLong("central", "SELECT count(*) FROM central_event WHERE table_name = ? AND record_id = ?"
                    + " AND outcome = 'conflict'", TABLE, raced) > 0) {
                found = raced;
            }
        }
        assertThat(found).as("in five races one edge always had the other's change already").isNotNull();
        String id = found;

        // Then both edges serve the master's state, one of the two writes
        String winnerText = queryString("central",
                "SELECT data->>'text' FROM central_record WHERE table_name = ? AND id = ?", TABLE, id);
        assertThat(winnerText).isIn("from edge 1", "from edge 2");
        assertThat(edge1.device("phone-1").get("/tables/" + TABLE + "/" + id).path("text").toString())
                .isEqualTo(winnerText);
        assertThat(edge2.device("phone-2").get("/tables/" + TABLE + "/" + id).path("text").toString())
                .isEqualTo(winnerText);
        String loserText = winnerText.equals("from edge 1") ? "from edge 2" : "from edge 1";

        // And the losing write is on the conflicts topic, with both sides and the resolution
        JsonNode conflict = JSON.readTree(readUntil("edgesync.conflicts", TABLE + "/" + id, seen -> !seen.isEmpty())
                .get(0)
                .value());
        assertThat(conflict.path("kind").asText()).isEqualTo("stale-version");
        assertThat(conflict.path("decision").asText()).isEqualTo("server-wins");
        assertThat(conflict.path("loser").asText()).isEqualTo("event");
        assertThat(conflict.at("/event/data/item/text").asText()).isEqualTo(loserText);
        assertThat(conflict.at("/event/source").asText())
                .isEqualTo("edgesync://edge/" + (loserText.equals("from edge 1") ? "edge1" : "edge2"));
        assertThat(conflict.at("/master/text").asText()).isEqualTo(winnerText);
        assertThat(conflict.at("/result/text").asText()).isEqualTo(winnerText);
        // And the central conflict log has it too
        assertThat(queryLong("central", "SELECT count(*) FROM sync_conflict WHERE source = 'central'"
                + " AND table_name = ? AND record_id = ?", TABLE, id)).isEqualTo(1);
    }

    @Test
    @Order(2)
    void manyRecordsChangedConcurrentlyThroughBothEdgesEndIdenticalEverywhereWithEveryLoserLogged() throws Exception {
        // Given 20 records both edges have
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String id = "conv-" + run + "-" + i;
            ids.add(id);
            edge1.device("phone-1")
                    .contentType(ContentType.JSON)
                    .body("{\"id\":\"" + id + "\",\"text\":\"original\"}")
                    .post("/tables/" + TABLE)
                    .then()
                    .statusCode(201);
        }
        for (String id : ids) {
            awaitVersionOn(edge2, id, version(edge1, id));
        }

        // When a device of each edge changes every record three times, at the same moment
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Response>> writes = new ArrayList<>();
        for (SiteProcess site : List.of(edge1, edge2)) {
            writes.add(sendAfter(go, () -> {
                Response last = null;
                for (int round = 1; round <= 3; round++) {
                    for (String id : ids) {
                        last = patch(site, "phone-" + site.name(), id, site.name() + " round " + round);
                        assertThat(last.statusCode()).as(last.asString()).isEqualTo(200);
                    }
                }
                return last;
            }));
        }
        go.countDown();
        for (CompletableFuture<Response> write : writes) {
            assertThat(write.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }

        // Then both edges and central end with identical rows: version, columns, creation time
        String like = "conv-" + run + "-%";
        Awaitility.await("edges and master converge")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    List<String> master = queryStrings("central",
                            "SELECT id || ' ' || version || ' ' || (data->>'text')"
                                    + " || ' ' || created_at FROM central_record WHERE table_name = ? AND id LIKE ? ORDER BY id",
                            TABLE, like);
                    assertThat(master).hasSize(20);
                    for (String edge : List.of("edge1", "edge2")) {
                        assertThat(queryStrings(edge, "SELECT id || ' ' || version || ' ' || (data->>'text') || ' '"
                                + " || created_at FROM sync_record WHERE table_name = ? AND id LIKE ? ORDER BY id",
                                TABLE, like)).as(edge).isEqualTo(master);
                    }
                });

        // And every change reached central exactly once (20 inserts, 2 x 3 x 20 updates), and every one that lost there
        // is in the conflict log, once
        assertThat(queryLong("central", "SELECT count(*) FROM central_event WHERE table_name = ? AND record_id LIKE ?",
                TABLE, like)).isEqualTo(140);
        assertThat(queryLong("central", "SELECT count(DISTINCT event_id) FROM central_event"
                + " WHERE table_name = ? AND record_id LIKE ? AND outcome IN ('applied', 'conflict')", TABLE, like))
                .isEqualTo(140);
        long conflicts = queryLong("central", "SELECT count(*) FROM central_event WHERE table_name = ?"
                + " AND record_id LIKE ? AND outcome = 'conflict'", TABLE, like);
        assertThat(conflicts).isPositive();
        assertThat(queryLong("central", "SELECT count(DISTINCT client_item->>'eventId') FROM sync_conflict"
                + " WHERE source = 'central' AND table_name = ? AND record_id LIKE ?", TABLE, like))
                .isEqualTo(conflicts);
        assertThat(queryLong("central", "SELECT count(*) FROM sync_conflict c JOIN central_event e"
                + " ON e.event_id::text = c.client_item->>'eventId' AND e.outcome = 'conflict'"
                + " WHERE c.source = 'central' AND c.table_name = ? AND c.record_id LIKE ?", TABLE, like))
                .isEqualTo(conflicts);
    }

    @Test
    @Order(3)
    void twoUsersInsertingOneIdOnTwoEdgesNeverSeeEachOthersRow() throws Exception {
        // Given Bob on edge 1 and Alice on edge 2, inserting the same id at the same moment (neither edge can know)
        String bob = "bob-" + UUID.randomUUID();
        String alice = "alice-" + UUID.randomUUID();
        String id = insertOneIdOnBothEdges(bob, alice);

        // When central has decided whose id it is and both edges have its row
        Awaitility.await("edges take the master row")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    String master = masterVersion(id);
                    assertThat(master).isNotNull();
                    assertThat(cachedVersion("edge1", id)).isEqualTo(master);
                    assertThat(cachedVersion("edge2", id)).isEqualTo(master);
                    assertThat(queryString("central", "SELECT outcome FROM central_event WHERE table_name = ?"
                            + " AND record_id = ? AND operation = 'insert' ORDER BY seq DESC LIMIT 1", TABLE, id))
                            .isEqualTo("conflict");
                });
        String owner = queryString("central", "SELECT owner_id FROM central_record WHERE table_name = ? AND id = ?",
                TABLE, id);
        assertThat(owner).isIn(bob, alice);
        String loser = owner.equals(bob) ? alice : bob;
        String ownersText = owner.equals(bob) ? "BOB SECRET written on edge1" : "alice's, written on edge2";
        SiteProcess losersEdge = owner.equals(bob) ? edge2 : edge1;

        // Then on both edges the row is the owner's, and the other user neither reads nor changes it
        for (SiteProcess site : List.of(edge1, edge2)) {
            Response ownersRead = user(site, owner).get("/tables/" + TABLE + "/" + id);
            assertThat(ownersRead.statusCode()).as("the owner on " + site.name()).isEqualTo(200);
            assertThat(ownersRead.jsonPath().getString("text")).as("the owner on " + site.name())
                    .isEqualTo(ownersText);
            Response read = user(site, loser).get("/tables/" + TABLE + "/" + id);
            assertThat(read.statusCode()).as("the other user on " + site.name()).isEqualTo(404);
            assertThat(read.asString()).doesNotContain(ownersText);
        }
        assertThat(user(losersEdge, loser).contentType(ContentType.JSON)
                .body("{\"text\":\"overwritten\"}")
                .patch("/tables/" + TABLE + "/" + id)
                .statusCode()).isEqualTo(404);
        assertThat(queryString("central", "SELECT data->>'text' FROM central_record WHERE table_name = ? AND id = ?",
                TABLE, id)).isEqualTo(ownersText);

        // And the losing insert is a conflict of the other user's device, on the conflicts topic too
        assertThat(queryString("central", "SELECT device_id FROM sync_conflict WHERE source = 'central'"
                + " AND table_name = ? AND record_id = ? AND policy = 'owner'", TABLE, id))
                .isEqualTo("phone-of-" + loser);
        JsonNode conflict = JSON.readTree(readUntil("edgesync.conflicts", TABLE + "/" + id, seen -> !seen.isEmpty())
                .get(0)
                .value());
        assertThat(conflict.path("kind").asText()).isEqualTo("other-owner");
        assertThat(conflict.path("loser").asText()).isEqualTo("event");
    }

    @Test
    @Order(4)
    void changesPushedWhileTheBrokerIsDownReachCentralExactlyOnceAndInOrderPerKey() throws Exception {
        // Given the broker stops
        broker.close();
        Map<String, List<String>> acknowledged = new LinkedHashMap<>();
        try {
            // When devices keep pushing through edge 1: five rows, each inserted then changed four times
            acknowledged.putAll(pushChanges(edge1, "outage", 5, 4));

            // Then the edge keeps serving devices: writes were acknowledged, pulls are answered
            assertThat(acknowledged.values().stream().mapToInt(List::size).sum()).isEqualTo(25);
            assertThat(edge1.device("phone-1").get("/tables/" + TABLE).statusCode()).isEqualTo(200);
            // And its readiness stays UP, saying events are delayed; the outbox holds the changes
            Awaitility.await("edge 1 reports delayed events")
                    .atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> {
                        Response ready = edge1.readiness();
                        assertThat(ready.statusCode()).isEqualTo(200);
                        assertThat(ready.jsonPath().getString("checks.find { it.name == 'Kafka' }.data.events"))
                                .isEqualTo("delayed");
                    });
            assertThat(queryLong("edge1", "SELECT count(*) FROM outbox_event WHERE sent_at IS NULL"))
                    .isGreaterThanOrEqualTo(25);
            Awaitility.await("outbox lag metric")
                    .atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(edge1.http().get("/q/metrics").asString())
                            .containsPattern("edgesync_outbox_lag\\{outbox=\"edge\",?\\} (2[5-9]|[3-9][0-9])"));
            // And the central service, which can do nothing without Kafka, is not ready
            Awaitility.await("central not ready")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> central.readiness().statusCode() == 503);
        } finally {
            // When the broker comes back on the same port and data
            broker = EmbeddedKafkaBroker.start(kafkaDir, kafkaPort, Map.of());
        }
        assertThat(broker.port()).isEqualTo(kafkaPort);

        // Then everything drains: every acknowledged change was applied at central once, in the order of its key
        Awaitility.await("central applied all 25 changes")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> queryLong("central",
                        "SELECT count(*) FROM central_event WHERE record_id LIKE 'outage-%'") == 25);
        assertThat(recordedVersions("outage-%")).isEqualTo(acknowledged);
        assertAppliedExactlyOnceInOrder(acknowledged);
        assertThat(recordIdsLike("outage-%")).hasSize(5);
        Awaitility.await("edge 1 outbox drained")
                .atMost(CONVERGE)
                .until(() -> queryLong("edge1", "SELECT count(*) FROM outbox_event WHERE sent_at IS NULL") == 0);
        // And edge 2 got the final state of every row
        Awaitility.await("edge 2 converged")
                .atMost(CONVERGE)
                .untilAsserted(() -> acknowledged.forEach((id, versions) -> assertThat(version(edge2, id))
                        .isEqualTo(versions.get(versions.size() - 1))));
        awaitEventsFlowing(edge1);
        central.awaitReady();
    }

    @Test
    @Order(5)
    void whileCentralIsAwayTheEdgesReportTheirChangeStreamStalledAndKeepServingDevices() {
        // Given the change stream current at both edges: central's heartbeats arrive every second
        Stream.of(edge1, edge2).forEach(site -> awaitChangeStream(site, "current"));

        // When central stops
        central.stop();
        Response created;
        try {
            // Then within seconds each edge reports its change stream stalled, with the time since central's last
            // heartbeat, and stays ready
            for (SiteProcess site : List.of(edge1, edge2)) {
                Map<String, Object> kafka = awaitChangeStream(site, "stalled");
                assertThat(kafka.get("changes.stalled.reason").toString())
                        .startsWith("nothing from the central service for");
                assertThat(((Number) kafka.get("changes.last.heartbeat.age.seconds")).longValue())
                        .isGreaterThanOrEqualTo(SiteProcess.STALLED_AFTER_SECONDS);
                assertThat(kafka.get("events")).as("the edge's own events still reach Kafka").isEqualTo("flowing");
            }

            // And the edges keep taking writes
            created = edge1.device("phone-1")
                    .contentType(ContentType.JSON)
                    .body("{\"text\":\"written while central was away\"}")
                    .post("/tables/" + TABLE);
            assertThat(created.statusCode()).isEqualTo(201);
        } finally {
            central.start().awaitReady();
        }

        // Then once central is back the stream is current again, and the write made meanwhile reaches edge 2
        Stream.of(edge1, edge2).forEach(site -> awaitChangeStream(site, "current"));
        awaitVersionOn(edge2, created.path("id"), created.path("version"));
    }

    @Test
    @Order(6)
    void edgeKilledWithUnpublishedChangesLosesNothingAndNothingIsAppliedTwice() throws Exception {
        // Given edge 2's place taken by a new edge 3 with an empty cache, whose Kafka is not there at first
        edge2.stop();
        String earlier = edge1.device("phone-1")
                .contentType(ContentType.JSON)
                .body("{\"text\":\"before edge 3 existed\"}")
                .post("/tables/" + TABLE)
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        int nowhere = Ports.freePort();
        SiteProcess edge3 = track(SiteProcess.edge("edge3", root, postgres.reactiveUrl("edge3"),
                "127.0.0.1:" + nowhere)).start().awaitReady();

        // When its devices push changes it cannot publish, and it is killed (SIGKILL) with all of them unpublished
        Map<String, List<String>> acknowledged = pushChanges(edge3, "killed", 3, 2);
        assertThat(queryLong("edge3", "SELECT count(*) FROM outbox_event WHERE sent_at IS NULL")).isEqualTo(9);
        edge3.kill();

        // And it restarts with the real broker
        edge3.withBootstrapServers(broker.bootstrapServers()).start().awaitReady();

        // Then every acknowledged change reaches central, once each and in order per key
        Awaitility.await("central applied edge 3's changes")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> queryLong("central",
                        "SELECT count(*) FROM central_event WHERE record_id LIKE 'killed-%'") == 9);
        assertThat(recordedVersions("killed-%")).isEqualTo(acknowledged);
        assertAppliedExactlyOnceInOrder(acknowledged);

        // And the new edge built its cache from the compacted change stream: it has rows written before it existed
        awaitVersionOn(edge3, earlier, version(edge1, earlier));

        // When it is killed again right after a burst of changes, while its relay is publishing them
        Map<String, List<String>> burst = pushChanges(edge3, "burst", 20, 4);
        edge3.kill();
        edge3.start().awaitReady();

        // Then after the restart all 100 arrive, and a change Kafka got twice (published, not yet marked) counts once
        Awaitility.await("central applied the burst")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> queryLong("central",
                        "SELECT count(*) FROM central_event WHERE record_id LIKE 'burst-%'") == 100);
        assertThat(recordedVersions("burst-%")).isEqualTo(burst);
        assertAppliedExactlyOnceInOrder(burst);
        long copies = readUntil("edgesync.cud", null, seen -> seen.size() >= 100, key -> key.startsWith(TABLE
                + "/burst-")).size();
        System.out.printf(
                "MultiSiteIT: %d CUD records on Kafka for 100 burst changes (copies dropped at central: %d)%n",
                copies, copies - 100);
        assertThat(queryLong("edge3", "SELECT count(*) FROM outbox_event WHERE sent_at IS NULL")).isZero();
        // (edge 3 gives its place back: the later scenarios run with edges 1 and 2, on two cores)
        edge3.stop();
    }

    @Test
    @Order(7)
    void centralInstanceKilledMidStreamLosesNothingAndTheOtherAppliesNothingTwice() throws Exception {
        // Given a second central instance in the same consumer group, holding partitions of the CUD topic
        // (keeping relayed outbox rows as the first does: whichever relays, the publications stay countable)
        SiteProcess central2 = track(SiteProcess.central("central2", root, postgres.reactiveUrl("central"),
                broker.bootstrapServers())
                .with(Map.of("edgesync.events.outbox-retention-days", "7"))).start().awaitReady();
        Awaitility.await("the second central instance consumes")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(cudPartitions(central2))
                        .matches("(edgesync\\.cud-[0-9]+=[0-9]+(, )?)+"));

        // When edge 1's devices make 120 changes, and that instance is killed (SIGKILL) while they flow
        CompletableFuture<Map<String, List<String>>> pushed = CompletableFuture
                .supplyAsync(() -> pushChanges(edge1, "failover", 30, 3));
        Awaitility.await("central applying the changes")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> queryLong("central",
                        "SELECT count(*) FROM central_event WHERE record_id LIKE 'failover-%'") >= 20);
        central2.kill();
        Map<String, List<String>> acknowledged = pushed.get(120, TimeUnit.SECONDS);

        // Then the first instance takes its partitions over once its session expires: every change is applied once,
        // in order per key
        Awaitility.await("all changes at central")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> queryLong("central",
                        "SELECT count(*) FROM central_event WHERE record_id LIKE 'failover-%'") == 120);
        assertThat(recordedVersions("failover-%")).isEqualTo(acknowledged);
        assertAppliedExactlyOnceInOrder(acknowledged);
    }

    /** The partitions of the CUD topic a central instance consumes, with their lag, as its readiness shows them. */
    private static String cudPartitions(SiteProcess instance) {
        return instance.readiness().jsonPath().getString("checks.find { it.name == 'Kafka' }.data.'consumer.cud.lag'");
    }

    // ------------------------------------------------------------------------------------ edge scopes (table regional)

    @Test
    @Order(8)
    void rowsOfEveryRegionReachCentralAndEachEdgeHoldsTheRowsOfItsOwnRegionOnly() throws Exception {
        // Given both edges running (edge 2 comes back if scenario 6 left it stopped): edge 1 holds the north of table
        // regional, edge 2 the south
        bothEdgesRunning();

        // When devices of each edge write two rows of the north and two of the south
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> acknowledged = new LinkedHashMap<>();
        Map<SiteProcess, List<String>> outsideItsRegion = Map.of(edge1, new ArrayList<>(), edge2, new ArrayList<>());
        for (SiteProcess site : List.of(edge1, edge2)) {
            for (String region : List.of("north", "south")) {
                for (int i = 0; i < 2; i++) {
                    String id = "reg-" + run + "-" + site.name() + "-" + region + "-" + i;
                    String version = insertRegional(site, id, region);
                    acknowledged.put(id, version);
                    if (!region.equals(site == edge1 ? "north" : "south")) {
                        outsideItsRegion.get(site).add(id + " " + version);
                    }
                }
            }
        }

        // Then central holds every row, at the version its edge acknowledged
        Awaitility.await("central holds every row")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(sorted(queryStrings("central", "SELECT id || ' ' || version"
                        + " FROM central_record WHERE table_name = ? AND id LIKE ? AND NOT deleted", REGIONAL,
                        "reg-" + run + "-%")))
                        .isEqualTo(sorted(acknowledged.entrySet()
                                .stream()
                                .map(row -> row.getKey() + " " + row.getValue())
                                .toList())));
        // And edge 1's live rows of the table are exactly central's rows of the north (ids and versions), edge 2's
        // exactly those of the south; the only other rows each holds are the rows its own devices wrote outside its
        // region, as tombstones of central's version (its devices pull them as deleted): of the other edge's rows
        // outside its region it holds nothing
        Awaitility.await("each edge holds its region")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    assertThat(regionalRows("edge1", false)).as("edge 1's live rows")
                            .hasSize(4)
                            .isEqualTo(centralRegionalRows("north"));
                    assertThat(regionalRows("edge2", false)).as("edge 2's live rows")
                            .hasSize(4)
                            .isEqualTo(centralRegionalRows("south"));
                    assertThat(regionalRows("edge1", true)).as("edge 1's tombstones")
                            .isEqualTo(sorted(outsideItsRegion.get(edge1)));
                    assertThat(regionalRows("edge2", true)).as("edge 2's tombstones")
                            .isEqualTo(sorted(outsideItsRegion.get(edge2)));
                });
        // And the devices of each edge read the rows of its region only
        assertThat(sorted(edge1.device("phone-1")
                .get("/tables/" + REGIONAL + "?$top=1000")
                .jsonPath()
                .getList("region",
                        String.class)))
                .containsOnly("north")
                .hasSize(4);
        assertThat(sorted(edge2.device("phone-2")
                .get("/tables/" + REGIONAL + "?$top=1000")
                .jsonPath()
                .getList("region",
                        String.class)))
                .containsOnly("south")
                .hasSize(4);
    }

    @Test
    @Order(9)
    void aRowMovedOutOfEdge1sRegionLeavesTheLocalStoreOfItsJsClientAndIsLiveAtEdge2() throws Exception {
        // Given a row of the north written through edge 1, and a device of edge 1 whose real JS client (Azure Mobile
        // Apps SDK, offline store) has pulled the table incrementally: its local store holds the row, as edge 1's live
        // rows are
        bothEdgesRunning();
        Path node = NodeScripts.prepare();
        Path deviceStore = root.resolve("js-device-of-edge1-store.json");
        String id = "moving-" + UUID.randomUUID();
        String northVersion = insertRegional(edge1, id, "north");
        Map<String, JsonNode> local = pullWithJsClient(node, edge1, deviceStore);
        assertThat(local.get(id)).as("the row in the device's local store").isNotNull();
        assertThat(local.get(id).path("version").asText()).isEqualTo(northVersion);
        assertThat(local.get(id).path("region").asText()).isEqualTo("north");
        assertThat(localRows(local)).isEqualTo(regionalRows("edge1", false));

        // When a device of edge 1 moves it to the south (through edge 1: edge 2 never held the row, so its devices
        // cannot change it)
        Response moved = edge1.device("phone-1")
                .contentType(ContentType.JSON)
                .header("If-Match", "\"" + northVersion + "\"")
                .body("{\"region\":\"south\"}")
                .patch("/tables/" + REGIONAL + "/" + id);
        assertThat(moved.statusCode()).as(moved.asString()).isEqualTo(200);
        String southVersion = moved.path("version");

        // Then central holds it live in the south, and edge 1, whose region it left, as a tombstone of that version
        Awaitility.await("the move at central and at edge 1")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    assertThat(queryString("central", "SELECT version || ' ' || deleted || ' ' || (data->>'region')"
                            + " FROM central_record WHERE table_name = ? AND id = ?", REGIONAL, id))
                            .isEqualTo(southVersion + " false south");
                    assertThat(queryString("edge1", "SELECT version || ' ' || deleted FROM sync_record"
                            + " WHERE table_name = ? AND id = ?", REGIONAL, id)).isEqualTo(southVersion + " true");
                });
        // And a device of edge 2 reads it live, in the south
        Awaitility.await("the row at edge 2")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    Response read = edge2.device("phone-2").get("/tables/" + REGIONAL + "/" + id);
                    assertThat(read.statusCode()).isEqualTo(200);
                    assertThat(read.path("version").toString()).isEqualTo(southVersion);
                    assertThat(read.path("region").toString()).isEqualTo("south");
                    assertThat((Boolean) read.path("deleted")).isFalse();
                });

        // And the JS client's next incremental pull at edge 1 takes it out of the device's local store (the SDK
        // deletes locally what the gateway answers as deleted): the store holds edge 1's live rows again
        local = pullWithJsClient(node, edge1, deviceStore);
        assertThat(local).as("the device's local store").doesNotContainKey(id);
        assertThat(localRows(local)).isEqualTo(regionalRows("edge1", false));
    }

    @Test
    @Order(10)
    void anEdgeRestartedWithAWiderScopeFillsItFromCentralsApiWithItsTokenAndKeepsWhatItHeld() throws Exception {
        // Given rows of the east written through edge 1 while edge 2 held the south only: edge 2 skipped their changes
        // (and committed its offsets past them), so the change stream will not bring them to it again
        bothEdgesRunning();
        String run = UUID.randomUUID().toString().substring(0, 8);
        double skipped = consumedChanges(edge2, "out-of-scope");
        List<String> east = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            east.add("east-" + run + "-" + i);
            insertRegional(edge1, east.get(i), "east");
        }
        awaitAtCentral(east);
        Awaitility.await("edge 2 skipped the east rows")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> consumedChanges(edge2, "out-of-scope") >= skipped + 3);
        assertThat(queryLong("edge2", "SELECT count(*) FROM sync_record WHERE table_name = ? AND id LIKE ?", REGIONAL,
                "east-" + run + "-%")).isZero();
        // And two more written through edge 1 while edge 2 is down
        edge2.stop();
        for (int i = 3; i < 5; i++) {
            east.add("east-" + run + "-" + i);
            insertRegional(edge1, east.get(i), "east");
        }
        awaitAtCentral(east);

        // When edge 2 restarts with the scope "the south or the east"
        String wider = "region eq 'south' or region eq 'east'";
        edge2.with(Map.of(SCOPE_OF_REGIONAL, wider)).start().awaitReady();

        // Then it fills the new scope from central's API for edges: its live rows are exactly central's rows of the
        // south and the east, every east row among them, and the south ones it held before still
        Awaitility.await("edge 2 holds the south and the east")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    List<String> held = regionalRows("edge2", false);
                    assertThat(held).isEqualTo(centralRegionalRows("south", "east"));
                    assertThat(held.stream().map(row -> row.split(" ")[0]).toList()).containsAll(east);
                    assertThat(centralRegionalRows("south")).isNotEmpty().isSubsetOf(held);
                });
        // And that was the backfill: recorded for the new scope, its sweep and fill done, every matching row of
        // central applied (the east rows of before the stop could come no other way)
        Awaitility.await("edge 2's backfill recorded")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(queryString("edge2", "SELECT scope || ' | ' || swept || ' '"
                        + " || backfill_done || ' ' || rows_applied FROM edge_scope WHERE table_name = ?", REGIONAL))
                        .isEqualTo(wider + " | true true " + centralRegionalRows("south", "east").size()));
        // And central's API for edges answers to the edges' role only: not without a token, not to a device's token
        assertThat(central.http().get("/central/v1/tables/" + REGIONAL + "/rows").statusCode()).isEqualTo(401);
        assertThat(user(central, "a-device-user").get("/central/v1/tables/" + REGIONAL + "/rows").statusCode())
                .isEqualTo(403);
    }

    // --------------------------------------------------------------------- edge scope owners (table journal, edge 4)

    @Test
    @Order(11)
    void aRoamingUsersFirstPullAtAnOwnersEdgeWaitsForHerRowsAndTheEdgeThenFollowsHerChangesOnly() throws Exception {
        // Given edge 4, which holds of table journal the rows of the users who come to it, and Alice and Bob, who never
        // came there, writing journal rows through edge 1
        ownersEdgeRunning();
        String alice = "alice-" + UUID.randomUUID();
        String bob = "bob-" + UUID.randomUUID();
        List<String> alices = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            alices.add(insertJournal(edge1, alice, "alice's note " + i));
        }
        for (int i = 0; i < 2; i++) {
            insertJournal(edge1, bob, "BOB SECRET " + i);
        }
        Awaitility.await("central holds Alice's and Bob's rows")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> centralJournalRows(alice).size() == 3 && centralJournalRows(bob).size() == 2);
        // And edge 4 skipped all five changes on the change stream (neither user had come): only central can give
        // Alice's rows to it now
        Awaitility.await("edge 4 skipped the changes of users who never came")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> consumedChanges(edge4, "out-of-scope") >= 5);
        assertThat(edgeJournalRows("edge4", alice)).isEmpty();

        // When Alice pulls table journal at edge 4 for the first time
        long asked = System.nanoTime();
        Response pull = user(edge4, alice).get("/tables/" + JOURNAL + "?$top=1000");
        System.out.printf("MultiSiteIT: a roaming user's first pull at the owners edge answered %d after %d ms%n",
                pull.statusCode(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked));

        // Then it answers 200 with exactly her rows, at central's versions: it waited while edge 4 fetched them
        assertThat(pull.statusCode()).as(pull.asString()).isEqualTo(200);
        List<String> pulled = new ArrayList<>();
        JSON.readTree(pull.asString())
                .forEach(row -> pulled.add(row.path("id").asText() + " " + row.path("version").asText()));
        assertThat(sorted(pulled)).hasSize(3).isEqualTo(centralJournalRows(alice));
        // And edge 4 holds exactly central's rows of Alice, none of Bob's, and Alice as a user whose rows it fetched
        assertThat(edgeJournalRows("edge4", alice)).isEqualTo(centralJournalRows(alice));
        assertThat(edgeJournalRows("edge4", bob)).isEmpty();
        assertThat(queryLong("edge4", "SELECT count(*) FROM edge_user WHERE user_id = ? AND filled_at IS NOT NULL",
                alice)).isEqualTo(1);

        // When Alice changes one of her rows and adds one through edge 1, and Bob adds one there
        double skipped = consumedChanges(edge4, "out-of-scope");
        Response changed = user(edge1, alice).contentType(ContentType.JSON)
                .body("{\"note\":\"alice's note, changed at edge 1\"}")
                .patch("/tables/" + JOURNAL + "/" + alices.get(0));
        assertThat(changed.statusCode()).as(changed.asString()).isEqualTo(200);
        String added = insertJournal(edge1, alice, "alice's note, added at edge 1");
        String bobsLater = insertJournal(edge1, bob, "BOB SECRET, later");

        // Then edge 4 applies Alice's changes (it holds central's rows of Alice at their versions, the new one among
        // them), and skips Bob's: it counts one more change out of its scope and holds no row of Bob's, which central
        // has
        Awaitility.await("edge 4 follows Alice's changes, not Bob's")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    List<String> centrals = centralJournalRows(alice);
                    assertThat(centrals).hasSize(4).contains(alices.get(0) + " " + changed.path("version"));
                    assertThat(edgeJournalRows("edge4", alice)).isEqualTo(centrals);
                    assertThat(centrals.stream().map(row -> row.split(" ")[0])).contains(added);
                    assertThat(centralJournalRows(bob)).hasSize(3)
                            .anyMatch(row -> row.startsWith(bobsLater + " "));
                    assertThat(consumedChanges(edge4, "out-of-scope")).isGreaterThanOrEqualTo(skipped + 1);
                });
        assertThat(edgeJournalRows("edge4", bob)).isEmpty();
        assertThat(queryLong("edge4", "SELECT count(*) FROM sync_record WHERE table_name = ? AND owner_id = ?", JOURNAL,
                bob)).isZero();
    }

    @Test
    @Order(12)
    void aRowWrittenThroughTheOwnersEdgeReachesCentralAndTheEdgesThatHoldTheTableWhole() throws Exception {
        // Given Alice, who has a journal row written through edge 1 and has never come to edge 4, and edges 1 and 2,
        // which hold table journal whole
        bothEdgesRunning();
        ownersEdgeRunning();
        String alice = "alice-" + UUID.randomUUID();
        String earlier = insertJournal(edge1, alice, "written at edge 1 before");
        Awaitility.await("central holds Alice's earlier row")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> centralJournalRows(alice).size() == 1);

        // When she writes a row through edge 4 (her first request there: a write does not wait for her rows)
        Response created = user(edge4, alice).contentType(ContentType.JSON)
                .body("{\"note\":\"written at edge 4\"}")
                .post("/tables/" + JOURNAL);
        assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
        String id = created.path("id");
        String version = created.path("version");

        // Then it reaches central as hers, at the version edge 4 acknowledged, and edges 1 and 2 serve it to her
        Awaitility.await("Alice's row at central")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(queryString("central", "SELECT version || ' ' || owner_id"
                        + " || ' ' || (data->>'note') FROM central_record WHERE table_name = ? AND id = ?", JOURNAL,
                        id))
                        .isEqualTo(version + " " + alice + " written at edge 4"));
        for (SiteProcess edge : List.of(edge1, edge2)) {
            Awaitility.await("Alice's row at " + edge.name())
                    .atMost(CONVERGE)
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> {
                        Response read = user(edge, alice).get("/tables/" + JOURNAL + "/" + id);
                        assertThat(read.statusCode()).as(read.asString()).isEqualTo(200);
                        assertThat(read.path("version").toString()).isEqualTo(version);
                        assertThat(read.path("note").toString()).isEqualTo("written at edge 4");
                    });
        }
        // And edge 4 holds her rows now, the one written there and the one she wrote at edge 1 (fetched from central
        // because her write made her come), exactly as central has them
        Awaitility.await("edge 4 holds Alice's rows")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(edgeJournalRows("edge4", alice)).hasSize(2)
                        .isEqualTo(centralJournalRows(alice))
                        .anyMatch(row -> row.startsWith(earlier + " ")));
    }

    @Test
    @Order(13)
    void aBackfillKilledHalfwayResumesWhereItStoppedAndEndsWithEveryRowOnce() throws Exception {
        // Given 3,000 rows of the west written through edge 1, which edge 2 does not hold
        bothEdgesRunning();
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<String> west = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            west.add(String.format("west-%s-%04d", run, i));
        }
        for (int from = 0; from < west.size(); from += 100) {
            pushRegional(edge1, west.subList(from, from + 100), "west");
        }
        awaitAtCentral(west);
        String device = "tablet-" + run;
        String token = pullRegional(edge2, device, null, new ArrayList<>());

        // When edge 2 restarts with the west added to its scope, filling it from central in pages of 50 rows
        edge2.stop();
        String widest = "region eq 'south' or region eq 'east' or region eq 'west'";
        edge2.with(Map.of(SCOPE_OF_REGIONAL, widest, "edgesync.edge.central.page-size", "50")).start();
        String progress = "SELECT rows_applied FROM edge_scope WHERE table_name = ? AND scope = ?";
        Awaitility.await("edge 2 recorded some pages of its backfill")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(20))
                .until(() -> queryLong("edge2", progress, REGIONAL, widest) >= 100);
        // And its device pulls what it holds so far, and the edge is killed (SIGKILL) in the middle of the backfill
        List<String> pulledBefore = new ArrayList<>();
        token = pullRegional(edge2, device, token, pulledBefore);
        edge2.kill();
        String state = "SELECT backfill_done || ' ' || started_at FROM edge_scope WHERE table_name = ? AND scope = ?";
        String atKill = queryString("edge2", state, REGIONAL, widest);
        long appliedAtKill = queryLong("edge2", progress, REGIONAL, widest);
        assertThat(atKill).as("killed before the backfill ended").startsWith("false ");
        assertThat(appliedAtKill).isLessThan(west.size());
        assertThat(pulledBefore).as("the device got west rows before the kill").anyMatch(id -> id.startsWith("west-"));

        // Then after the restart the backfill resumes where it was recorded (not from the start: the same run, at most
        // the page in flight at the kill applied again) and ends with exactly central's rows of the scope
        edge2.start().awaitReady();
        Awaitility.await("edge 2's backfill done")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(queryString("edge2",
                        "SELECT backfill_done || ' after ' || backfill_after"
                                + " || ', ' || rows_applied || ' rows' FROM edge_scope WHERE table_name = ? AND scope = ?",
                        REGIONAL, widest)).as("edge 2's sessions: %s", queryStrings("edge2",
                                "SELECT pid || ' '"
                                        + " || state || ' ' || coalesce(wait_event, '-') || ' ' || left(query, 60)"
                                        + " FROM pg_stat_activity WHERE datname = 'edge2'"))
                        .startsWith("true "));
        String master = "SELECT count(*) FROM central_record WHERE table_name = ? AND NOT deleted"
                + " AND data->>'region' IN ('south', 'east', 'west')";
        long matching = queryLong("central", master, REGIONAL);
        assertThat(queryString("edge2", state, REGIONAL, widest)).isEqualTo("true " + atKill.substring(6));
        assertThat(queryLong("edge2", progress, REGIONAL, widest)).isBetween(matching, matching + 50);
        List<String> held = regionalRows("edge2", false);
        assertThat(held).isEqualTo(centralRegionalRows("south", "east", "west"));
        assertThat(held.stream().map(row -> row.split(" ")[0]).toList()).containsAll(west);
        // And the device's next pull brings every west row it did not have, once, and none it already had
        List<String> pulledAfter = new ArrayList<>();
        pullRegional(edge2, device, token, pulledAfter);
        assertThat(pulledAfter).doesNotHaveDuplicates().doesNotContainAnyElementsOf(pulledBefore);
        List<String> westPulled = new ArrayList<>(pulledBefore);
        westPulled.addAll(pulledAfter);
        westPulled.removeIf(id -> !id.startsWith("west-" + run));
        assertThat(westPulled).hasSameSizeAs(west).containsExactlyInAnyOrderElementsOf(west);
    }

    // ---------------------------------------------------------------------------------------------------- helpers

    /**
     * Creates a row both edges have and has a device of each edge change it at the same moment; each edge accepts its
     * device's write, and both caches and the master end in the same state. Returns the row's id.
     */
    private static String changeOneRowThroughBothEdgesAtOnce() throws Exception {
        String id = edge1.device("phone-1")
                .contentType(ContentType.JSON)
                .body("{\"text\":\"original\"}")
                .post("/tables/" + TABLE)
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        awaitVersionOn(edge2, id, version(edge1, id));
        CountDownLatch go = new CountDownLatch(1);
        CompletableFuture<Response> write1 = sendAfter(go, () -> patch(edge1, "phone-1", id, "from edge 1"));
        CompletableFuture<Response> write2 = sendAfter(go, () -> patch(edge2, "phone-2", id, "from edge 2"));
        go.countDown();
        assertThat(write1.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(write2.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        Awaitility.await("edges and master converge")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    String master = masterVersion(id);
                    assertThat(master).isNotNull();
                    assertThat(version(edge1, id)).isEqualTo(master);
                    assertThat(version(edge2, id)).isEqualTo(master);
                });
        return id;
    }

    /** Edge 2 comes back when an earlier scenario stopped it (scenario 6 gives its place to edge 3). */
    private static void bothEdgesRunning() {
        for (SiteProcess edge : List.of(edge1, edge2)) {
            if (!edge.running()) {
                edge.start().awaitReady();
                awaitEventsFlowing(edge);
            }
        }
    }

    /**
     * Edge 4, started the first time a scenario needs it (an empty cache: it reads the change stream from its start):
     * it holds of table journal the rows of the users who come to it (scope owners, a first pull waiting the default
     * time for them), fetched from central's API for edges with its token, and every other table whole.
     */
    private static void ownersEdgeRunning() {
        if (edge4 == null) {
            edge4 = track(SiteProcess.edge("edge4", root, postgres.reactiveUrl("edge4"), broker.bootstrapServers())
                    .with(verification)
                    .with(Map.of("edgesync.tables.declared." + JOURNAL + ".edge-scope", "owners",
                            "edgesync.edge.central.url", central.baseUrl(),
                            "edgesync.edge.central.token", signedToken("edge4", EDGE_ROLE))));
        }
        if (!edge4.running()) {
            edge4.start().awaitReady();
            awaitEventsFlowing(edge4);
        }
    }

    /** {@code user}'s device at {@code site} inserts a row of table journal; returns its id. */
    private static String insertJournal(SiteProcess site, String user, String note) {
        Response created = user(site, user).contentType(ContentType.JSON)
                .body("{\"note\":\"" + note + "\"}")
                .post("/tables/" + JOURNAL);
        assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
        return created.path("id");
    }

    /** An edge's live rows of table journal owned by {@code owner}: "id version" each, sorted. */
    private static List<String> edgeJournalRows(String database, String owner) throws SQLException {
        return sorted(queryStrings(database, "SELECT id || ' ' || version FROM sync_record WHERE table_name = ?"
                + " AND owner_id = ? AND NOT deleted", JOURNAL, owner));
    }

    /** Central's live rows of table journal owned by {@code owner}: "id version" each, sorted. */
    private static List<String> centralJournalRows(String owner) throws SQLException {
        return sorted(queryStrings("central", "SELECT id || ' ' || version FROM central_record WHERE table_name = ?"
                + " AND owner_id = ? AND NOT deleted", JOURNAL, owner));
    }

    /** A device of {@code site} inserts a row of table regional; returns the acknowledged version. */
    private static String insertRegional(SiteProcess site, String id, String region) {
        Response created = site.device("phone-of-" + site.name())
                .contentType(ContentType.JSON)
                .body("{\"id\":\"" + id + "\",\"region\":\"" + region + "\"}")
                .post("/tables/" + REGIONAL);
        assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
        return created.path("version");
    }

    /** A device of {@code site} inserts rows of table regional in one native push. */
    private static void pushRegional(SiteProcess site, List<String> ids, String region) {
        ArrayNode operations = JSON.createArrayNode();
        for (String id : ids) {
            ObjectNode operation = operations.addObject()
                    .put("operationId", "insert-" + id)
                    .put("table", REGIONAL)
                    .put("kind", "insert")
                    .put("id", id);
            operation.putObject("item").put("region", region);
        }
        ObjectNode body = JSON.createObjectNode();
        body.set("operations", operations);
        Response pushed = site.http()
                .contentType(ContentType.JSON)
                .body(body.toString())
                .post("/sync/v1/devices/{d}/push", "pusher-of-" + site.name());
        assertThat(pushed.statusCode()).as(pushed.asString()).isEqualTo(200);
    }

    /**
     * A native client's incremental pull of table regional at {@code site}, from {@code token} (null: from the start)
     * until nothing more: adds the ids of the changes it got to {@code ids} and returns the token to go on with.
     */
    private static String pullRegional(SiteProcess site, String device, String token, List<String> ids)
            throws IOException {
        String next = token;
        while (true) {
            RequestSpecification request = site.http().queryParam("table", REGIONAL).queryParam("limit", 500);
            if (next != null) {
                request.queryParam("token", next);
            }
            Response pulled = request.get("/sync/v1/devices/{d}/pull", device);
            assertThat(pulled.statusCode()).as(pulled.asString()).isEqualTo(200);
            JsonNode page = JSON.readTree(pulled.asString());
            page.path("changes").forEach(change -> ids.add(change.path("id").asText()));
            next = page.path("token").asText();
            if (!page.path("hasMore").asBoolean()) {
                return next;
            }
        }
    }

    /** An edge's rows of table regional, live or tombstones: "id version" each, sorted. */
    private static List<String> regionalRows(String database, boolean deleted) throws SQLException {
        return sorted(queryStrings(database, "SELECT id || ' ' || version FROM sync_record WHERE table_name = ? AND "
                + (deleted ? "" : "NOT ") + "deleted", REGIONAL));
    }

    /** Central's live rows of table regional in these regions: "id version" each, sorted. */
    private static List<String> centralRegionalRows(String... regions) throws SQLException {
        List<String> params = new ArrayList<>(List.of(REGIONAL));
        params.addAll(List.of(regions));
        return sorted(queryStrings("central", "SELECT id || ' ' || version FROM central_record WHERE table_name = ?"
                + " AND NOT deleted AND data->>'region' IN (" + String.join(", ", Collections.nCopies(regions.length,
                        "?"))
                + ")", params.toArray(String[]::new)));
    }

    private static void awaitAtCentral(List<String> ids) {
        Awaitility.await("central holds " + ids)
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> queryLong("central", "SELECT count(*) FROM central_record WHERE table_name = ?"
                        + " AND id = ANY(string_to_array(?, ','))", REGIONAL, String.join(",", ids)) == ids.size());
    }

    private static List<String> sorted(List<String> values) {
        return values.stream().sorted().toList();
    }

    /** How many changes of the change stream {@code site} counted with this outcome (its metrics). */
    private static double consumedChanges(SiteProcess site, String outcome) {
        Matcher counter = Pattern.compile("^edgesync_changes_consumed_total\\{[^}]*outcome=\"" + outcome
                + "\"[^}]*} (\\S+)$", Pattern.MULTILINE).matcher(site.http().get("/q/metrics").asString());
        return counter.find() ? Double.parseDouble(counter.group(1)) : 0;
    }

    /**
     * The real JS client of a device of {@code site} pulls table regional incrementally into its local store, which
     * {@code store} keeps between runs ({@code src/test/js/regional-pull.js}); returns the local rows by id.
     */
    private static Map<String, JsonNode> pullWithJsClient(Path node, SiteProcess site, Path store) throws Exception {
        NodeScripts.Run pull = NodeScripts.run("regional-pull", List.of(node.toString(), "regional-pull.js",
                site.baseUrl(), store.toAbsolutePath().toString()), Duration.ofSeconds(60));
        assertThat(pull.exitCode()).as("regional-pull.js%s; output:%n%s", pull.timeoutNote(), pull.output()).isZero();
        String rows = pull.output()
                .lines()
                .filter(line -> line.startsWith("LOCAL-ROWS "))
                .reduce((first, last) -> last)
                .orElseThrow(() -> new AssertionError("no LOCAL-ROWS line in:\n" + pull.output()))
                .substring("LOCAL-ROWS ".length());
        Map<String, JsonNode> byId = new LinkedHashMap<>();
        JSON.readTree(rows).forEach(row -> byId.put(row.path("id").asText(), row));
        return byId;
    }

    /** A device's local rows as "id version", sorted. */
    private static List<String> localRows(Map<String, JsonNode> local) {
        return sorted(local.values()
                .stream()
                .map(row -> row.path("id").asText() + " " + row.path("version")
                        .asText())
                .toList());
    }

    /** Sends {@code request} once {@code go} opens, from another thread. */
    /**
     * Bob inserts an id on edge 1 while Alice inserts it on edge 2, until both edges accept it (neither knew of the
     * other's row): when one request is late enough for the other's row to have reached its edge, that edge rightly
     * answers 409, and the race is run again with a new id. Returns the id both edges accepted.
     */
    private static String insertOneIdOnBothEdges(String bob, String alice) throws Exception {
        List<Integer> answers = new ArrayList<>();
        for (int attempt = 0; attempt < 5; attempt++) {
            String id = UUID.randomUUID().toString();
            CountDownLatch go = new CountDownLatch(1);
            CompletableFuture<Response> bobs = sendAfter(go,
                    () -> insert(edge1, bob, id, "BOB SECRET written on edge1"));
            CompletableFuture<Response> alices = sendAfter(go,
                    () -> insert(edge2, alice, id, "alice's, written on edge2"));
            go.countDown();
            int bobsStatus = bobs.get(30, TimeUnit.SECONDS).statusCode();
            int alicesStatus = alices.get(30, TimeUnit.SECONDS).statusCode();
            if (bobsStatus == 201 && alicesStatus == 201) {
                return id;
            }
            // only "the id exists" may keep one of them from inserting, and never both
            assertThat(List.of(bobsStatus, alicesStatus)).containsExactlyInAnyOrder(201, 409);
            answers.add(bobsStatus);
            answers.add(alicesStatus);
        }
        throw new AssertionError("In five races one edge always knew the other's row already: " + answers);
    }

    private static CompletableFuture<Response> sendAfter(CountDownLatch go, Supplier<Response> request) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                go.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return request.get();
        });
    }

    private static Response patch(SiteProcess site, String device, String id, String text) {
        return site.device(device)
                .contentType(ContentType.JSON)
                .body("{\"text\":\"" + text + "\"}")
                .patch("/tables/" + TABLE + "/" + id);
    }

    /**
     * Inserts {@code rows} rows with ids {@code <prefix>-<n>} and changes each {@code updates} times, interleaving the
     * rows; returns the acknowledged versions per row in order.
     */
    private static Map<String, List<String>> pushChanges(SiteProcess site, String prefix, int rows, int updates) {
        Map<String, List<String>> versions = new LinkedHashMap<>();
        String run = UUID.randomUUID().toString().substring(0, 8);
        for (int row = 0; row < rows; row++) {
            String id = prefix + "-" + run + "-" + row;
            Response created = site.device("pusher")
                    .contentType(ContentType.JSON)
                    .body("{\"id\":\"" + id + "\",\"text\":\"0\"}")
                    .post("/tables/" + TABLE);
            assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
            versions.computeIfAbsent(id, k -> new ArrayList<>()).add(created.path("version"));
        }
        for (int update = 1; update <= updates; update++) {
            for (String id : versions.keySet()) {
                Response changed = site.device("pusher")
                        .contentType(ContentType.JSON)
                        .body("{\"text\":\"" + update + "\"}")
                        .patch("/tables/" + TABLE + "/" + id);
                assertThat(changed.statusCode()).as(changed.asString()).isEqualTo(200);
                versions.get(id).add(changed.path("version"));
            }
        }
        return versions;
    }

    /** Every change of each record applied once (one publication each), no conflicts, the last one is the master. */
    private static void assertAppliedExactlyOnceInOrder(Map<String, List<String>> versions) throws SQLException {
        for (Map.Entry<String, List<String>> record : versions.entrySet()) {
            String id = record.getKey();
            List<String> expected = record.getValue();
            assertThat(queryStrings("central", "SELECT outcome FROM central_event WHERE table_name = ?"
                    + " AND record_id = ? ORDER BY seq", TABLE, id)).as("outcomes of %s", id)
                    .hasSize(expected.size())
                    .containsOnly("applied");
            assertThat(queryStrings("central", "SELECT version FROM central_outbox WHERE stream = 'changes'"
                    + " AND table_name = ? AND record_id = ? ORDER BY id", TABLE, id)).as("publications of %s", id)
                    .isEqualTo(expected);
            assertThat(queryString("central", "SELECT version FROM central_record WHERE table_name = ? AND id = ?",
                    TABLE, id)).isEqualTo(expected.get(expected.size() - 1));
        }
    }

    /** The versions central processed per record (ids LIKE {@code pattern}), in processing order. */
    private static Map<String, List<String>> recordedVersions(String pattern) throws SQLException {
        Map<String, List<String>> versions = new LinkedHashMap<>();
        try (Connection connection = connect("central");
                PreparedStatement query = connection.prepareStatement("SELECT record_id, new_version FROM central_event"
                        + " WHERE table_name = ? AND record_id LIKE ? ORDER BY seq")) {
            query.setString(1, TABLE);
            query.setString(2, pattern);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    versions.computeIfAbsent(rows.getString(1), k -> new ArrayList<>()).add(rows.getString(2));
                }
            }
        }
        Map<String, List<String>> byId = new LinkedHashMap<>();
        versions.keySet().stream().sorted().forEach(id -> byId.put(id, versions.get(id)));
        return byId;
    }

    private static List<String> recordIdsLike(String pattern) throws SQLException {
        return queryStrings("central", "SELECT id FROM central_record WHERE table_name = ? AND id LIKE ? ORDER BY id",
                TABLE, pattern);
    }

    private static Response insert(SiteProcess site, String user, String id, String text) {
        return user(site, user).contentType(ContentType.JSON)
                .body("{\"id\":\"" + id + "\",\"text\":\"" + text + "\"}")
                .post("/tables/" + TABLE);
    }

    /** A table-protocol request of {@code user}'s device at {@code site}, with a token signed by the test's key. */
    private static RequestSpecification user(SiteProcess site, String user) {
        return site.http()
                .header("ZUMO-API-VERSION", "2.0.0")
                .header("X-ZUMO-INSTALLATION-ID", "phone-of-" + user)
                .header("Authorization", "Bearer " + Jwt.issuer(DevKeys.ISSUER)
                        .audience(DevKeys.AUDIENCE)
                        .subject(user)
                        .upn(user)
                        .expiresIn(600)
                        .sign(signingKey));
    }

    private static String masterVersion(String id) throws SQLException {
        return queryString("central", "SELECT version FROM central_record WHERE table_name = ? AND id = ?", TABLE, id);
    }

    /** The version in an edge's cache, whoever owns the row. */
    private static String cachedVersion(String database, String id) throws SQLException {
        return queryString(database, "SELECT version FROM sync_record WHERE table_name = ? AND id = ?", TABLE, id);
    }

    private static String version(SiteProcess site, String id) {
        Response response = site.device("probe").get("/tables/" + TABLE + "/" + id);
        return response.statusCode() == 200 ? response.path("version") : null;
    }

    private static void awaitVersionOn(SiteProcess site, String id, String version) {
        Awaitility.await(id + " at " + version + " on " + site.name())
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(version(site, id)).isEqualTo(version));
    }

    /** Waits until the edge's readiness reports its change stream so; returns the details of its Kafka check. */
    private static Map<String, Object> awaitChangeStream(SiteProcess site, String state) {
        AtomicReference<Map<String, Object>> kafka = new AtomicReference<>();
        Awaitility.await(site.name() + " change stream " + state)
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    Response ready = site.readiness();
                    assertThat(ready.statusCode()).as("%s stays ready", site.name()).isEqualTo(200);
                    kafka.set(ready.jsonPath().getMap("checks.find { it.name == 'Kafka' }.data"));
                    assertThat(kafka.get().get("changes")).as("%s", kafka.get()).isEqualTo(state);
                });
        return kafka.get();
    }

    private static void awaitEventsFlowing(SiteProcess site) {
        Awaitility.await(site.name() + " events flowing")
                .atMost(CONVERGE)
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(site.readiness()
                        .jsonPath()
                        .getString("checks.find { it.name == 'Kafka' }.data.events"))
                        .as(site.logTail())
                        .isEqualTo("flowing"));
    }

    private static List<ConsumerRecord<String, String>> readUntil(String topic, String key,
            Predicate<List<ConsumerRecord<String, String>>> done) {
        return readUntil(topic, key, done, key::equals);
    }

    /** Reads {@code topic} from the start with a plain consumer, keeping the records whose key matches. */
    private static List<ConsumerRecord<String, String>> readUntil(String topic, String description,
            Predicate<List<ConsumerRecord<String, String>>> done, Predicate<String> keyMatches) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "multisite-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, String>> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            Awaitility.await("records of " + description + " on " + topic)
                    .atMost(CONVERGE)
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> {
                        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(300))) {
                            if (record.key() != null && keyMatches.test(record.key())) {
                                seen.add(record);
                            }
                        }
                        return done.test(seen);
                    });
            // Whatever else is already there (copies of records) is read too.
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofSeconds(1))) {
                if (record.key() != null && keyMatches.test(record.key())) {
                    seen.add(record);
                }
            }
        }
        return seen;
    }

    private static Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(postgres.jdbcUrl(database), EmbeddedPostgresServer.USER, "");
    }

    private static long queryLong(String database, String sql, String... params) throws SQLException {
        String value = queryString(database, sql, params);
        return value == null ? -1 : Long.parseLong(value);
    }

    private static String queryString(String database, String sql, String... params) throws SQLException {
        List<String> values = queryStrings(database, sql, params);
        return values.isEmpty() ? null : values.get(0);
    }

    private static List<String> queryStrings(String database, String sql, String... params) throws SQLException {
        try (Connection connection = connect(database); PreparedStatement query = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                query.setString(i + 1, params[i]);
            }
            List<String> values = new ArrayList<>();
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    values.add(rows.getString(1));
                }
            }
            return values;
        }
    }
}
