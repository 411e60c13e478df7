package io.edgesync.nativeapi;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.RecordService;
import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The native pull invariant under load: while devices push batches, ZUMO clients write single operations and changes
 * arrive from the central service's stream (the path the Kafka consumer takes), a device pulling with tokens gets every
 * change exactly once — no change skipped, none repeated — and ends up with the table's exact state.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class NativePullConcurrencyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WRITE_PHASE = Duration.ofSeconds(4);

    @Inject
    RecordService records;

    @Test
    void tokensNeverSkipNorRepeatAChangeUnderConcurrentWritersAndReplicatedChanges() throws Exception {
        String table = "npc" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        List<String> ids = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 10; i++) {
            String id = "seed" + i;
            push("seeder", List.of(op(table, "insert", id, "seed")));
            ids.add(id);
        }
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger replicated = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> writers = new ArrayList<>();
        Instant deadline = Instant.now().plus(WRITE_PHASE);
        // Native batches
        for (int w = 0; w < 3; w++) {
            String device = "writer-" + w + "-" + UUID.randomUUID();
            writers.add(pool.submit(() -> {
                while (Instant.now().isBefore(deadline)) {
                    List<ObjectNode> batch = new ArrayList<>();
                    for (int i = 0; i < 5; i++) {
                        batch.add(randomOp(table, ids));
                    }
                    push(device, batch);
                }
                return null;
            }));
        }
        // ZUMO single operations
        writers.add(pool.submit(() -> {
            while (Instant.now().isBefore(deadline)) {
                String id = "z" + UUID.randomUUID();
                given().header("ZUMO-API-VERSION", "2.0.0")
                        .contentType(ContentType.JSON)
                        .body("{\"id\":\"" + id + "\",\"text\":\"zumo\"}")
                        .post("/tables/" + table)
                        .then()
                        .statusCode(201);
                ids.add(id);
            }
            return null;
        }));
        // Changes from the central service's stream (new versions of existing rows and new rows)
        writers.add(pool.submit(() -> {
            long masterSeq = 1_000_000;
            while (Instant.now().isBefore(deadline)) {
                String id = ThreadLocalRandom.current().nextBoolean() ? pick(ids) : "m" + UUID.randomUUID();
                ObjectNode data = JSON.createObjectNode().put("text", "from central " + masterSeq);
                records.applyReplicatedChange(table, id, data, UUID.randomUUID().toString(), false, masterSeq++)
                        .await()
                        .atMost(Duration.ofSeconds(10));
                ids.add(id);
                replicated.incrementAndGet();
            }
            return null;
        }));
        // The puller: loops with its token while everything above runs
        Map<String, String> replica = new HashMap<>();
        Set<String> deliveredChanges = new HashSet<>();
        List<String> repeats = new ArrayList<>();
        String[] token = {null};
        Future<?> puller = pool.submit(() -> {
            while (writing.get()) {
                token[0] = pullInto(table, token[0], replica, deliveredChanges, repeats);
            }
            return null;
        });
        for (Future<?> writer : writers) {
            writer.get(60, TimeUnit.SECONDS);
        }
        writing.set(false);
        puller.get(60, TimeUnit.SECONDS);
        token[0] = pullInto(table, token[0], replica, deliveredChanges, repeats);
        pool.shutdown();

        // Then no change was delivered twice, and the replica is the table
        assertThat(replicated.get()).as("replicated changes applied").isPositive();
        assertThat(repeats).as("changes delivered twice").isEmpty();
        Map<String, String> rows = readTable(table);
        assertThat(replica).as("replica built from tokens vs the table").isEqualTo(rows);
    }

    /** Pulls until no more changes; records id -> version (or "deleted") and every (id, version) seen. */
    private static String pullInto(String table, String token, Map<String, String> replica, Set<String> delivered,
            List<String> repeats) throws Exception {
        String current = token;
        while (true) {
            var request = given().queryParam("table", table).queryParam("limit", 50);
            if (current != null) {
                request.queryParam("token", current);
            }
            JsonNode body = JSON.readTree(request.get("/sync/v1/devices/{d}/pull", "puller")
                    .then()
                    .statusCode(200)
                    .extract()
                    .asString());
            for (JsonNode change : body.path("changes")) {
                String id = change.path("id").asText();
                String version = change.path("version").asText();
                if (!delivered.add(id + "@" + version)) {
                    repeats.add(id + "@" + version);
                }
                if (change.path("deleted").asBoolean()) {
                    replica.put(id, "deleted");
                } else {
                    replica.put(id, version);
                }
            }
            current = body.path("token").asText();
            if (!body.path("hasMore").asBoolean()) {
                return current;
            }
        }
    }

    private static Map<String, String> readTable(String table) throws Exception {
        Map<String, String> rows = new HashMap<>();
        for (int skip = 0;; skip += 50) {
            JsonNode page = JSON.readTree(given().header("ZUMO-API-VERSION", "2.0.0")
                    .queryParam("__includeDeleted", "true")
                    .queryParam("$top", 50)
                    .queryParam("$skip", skip)
                    .get("/tables/" + table)
                    .then()
                    .statusCode(200)
                    .extract()
                    .asString());
            for (JsonNode row : page) {
                rows.put(row.path("id").asText(),
                        row.path("deleted").asBoolean() ? "deleted" : row.path("version").asText());
            }
            if (page.size() < 50) {
                return rows;
            }
        }
    }

    private static ObjectNode randomOp(String table, List<String> ids) {
        int dice = ThreadLocalRandom.current().nextInt(10);
        if (dice < 4) {
            String id = "n" + UUID.randomUUID();
            ids.add(id);
            return op(table, "insert", id, "new");
        }
        return dice < 9 ? op(table, "update", pick(ids), "edit " + dice) : op(table, "delete", pick(ids), null);
    }

    private static String pick(List<String> ids) {
        return ids.get(ThreadLocalRandom.current().nextInt(ids.size()));
    }

    private static ObjectNode op(String table, String kind, String id, String text) {
        ObjectNode op = JSON.createObjectNode()
                .put("operationId", UUID.randomUUID().toString())
                .put("table", table)
                .put("kind", kind)
                .put("id", id);
        if (text != null) {
            op.set("item", JSON.createObjectNode().put("text", text));
        }
        return op;
    }

    private static void push(String device, List<ObjectNode> operations) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode array = body.putArray("operations");
        operations.forEach(array::add);
        given().contentType(ContentType.JSON)
                .body(body.toString())
                .post("/sync/v1/devices/{d}/push", device)
                .then()
                .statusCode(200);
    }
}
