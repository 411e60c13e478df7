package io.edgesync.protocol.nativeapi;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.ChangeStreamApplier;
import io.edgesync.testsupport.GatewayHttp;
import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.NativeClientPuller;
import io.edgesync.testsupport.PulledRow;
import io.edgesync.testsupport.Replicas;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
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
    ChangeStreamApplier records;

    @TestHTTPResource("/")
    URI root;

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
        NativeClientPuller puller = new NativeClientPuller(new GatewayHttp(root), table, "puller", 50);
        Future<?> pulling = pool.submit(() -> {
            while (writing.get()) {
                puller.pull();
            }
            return null;
        });
        for (Future<?> writer : writers) {
            writer.get(60, TimeUnit.SECONDS);
        }
        writing.set(false);
        pulling.get(60, TimeUnit.SECONDS);
        puller.pull();
        pool.shutdown();

        // Then no change was delivered twice, and the replica holds what a device must: every live row at its
        // version, the tombstone of every row it ever received that is deleted now, and nothing the table lacks
        // (an initial sync skips tombstones of rows the device never had)
        assertThat(replicated.get()).as("replicated changes applied").isPositive();
        assertThat(puller.repeats()).as("changes delivered twice").isEmpty();
        SoftAssertions softly = new SoftAssertions();
        Replicas.assertHoldsLiveRowsAndTheirTombstones(softly, puller.describe(), puller.replica(), readTable(table));
        softly.assertAll();
    }

    private static Map<String, PulledRow> readTable(String table) throws Exception {
        Map<String, PulledRow> rows = new HashMap<>();
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
                rows.put(row.path("id").asText(), PulledRow.of(row));
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
