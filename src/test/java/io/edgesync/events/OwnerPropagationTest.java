package io.edgesync.events;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.ChangeStreamApplier;
import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.OtherEdge;
import io.edgesync.testsupport.TestInfrastructure;
import io.edgesync.testsupport.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A row's owner travels with its changes (CUD event, master row, change stream), so a per-user row written through one
 * edge belongs to the same user at every other edge; the owner of an id is decided once, at central, and a user who
 * wrote another user's id on another edge never reaches that user's row.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class OwnerPropagationTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    ChangeStreamApplier records;

    @Test
    void theOwnerOfAPerUserRowIsInItsCudEventAndOnTheChangeStream() throws Exception {
        // Given Alice writes a row of a per-user table
        String subject = "alice-" + UUID.randomUUID();
        String id = UUID.randomUUID().toString();
        given().header("ZUMO-API-VERSION", "2.0.0")
                .header("Authorization", "Bearer " + TestTokens.token(subject))
                .contentType(ContentType.JSON)
                .body("{\"id\":\"" + id + "\",\"text\":\"mine\"}")
                .post("/tables/todoitem")
                .then()
                .statusCode(201);

        // Then its CUD event and the central service's change both name her as the owner
        JsonNode event = awaitRecord("edgesync.cud", "todoitem/" + id);
        assertThat(event.at("/data/owner").asText()).isEqualTo(subject);
        JsonNode change = awaitRecord("edgesync.changes", "todoitem/" + id);
        assertThat(change.path("owner").asText()).isEqualTo(subject);
    }

    @Test
    void aRowArrivingFromTheChangeStreamBelongsToItsOwnerAtThisEdge() {
        // Given a change of a row this edge has never seen, owned by Bob
        String subject = "bob-" + UUID.randomUUID();
        String id = UUID.randomUUID().toString();
        records.applyReplicatedChange("todoitem", id, JSON.createObjectNode().put("text", "from elsewhere"),
                UUID.randomUUID().toString(), false, 1, Optional.of(subject))
                .await()
                .atMost(Duration.ofSeconds(10));

        // Then Bob sees it and another user does not
        given().header("ZUMO-API-VERSION", "2.0.0")
                .header("Authorization", "Bearer " + TestTokens.token(subject))
                .get("/tables/todoitem/" + id)
                .then()
                .statusCode(200);
        given().header("ZUMO-API-VERSION", "2.0.0")
                .header("Authorization", "Bearer " + TestTokens.token("eve-" + UUID.randomUUID()))
                .get("/tables/todoitem/" + id)
                .then()
                .statusCode(404);
    }

    @Test
    void aReplicatedRowKeepsTheCreatedAtOfTheEdgeThatCreatedIt() {
        // Given a row created at another edge at a known time, arriving here, then updated there
        String subject = "carol-" + UUID.randomUUID();
        String id = UUID.randomUUID().toString();
        Instant createdThere = Instant.parse("2026-01-02T03:04:05.678Z");
        for (int masterSeq = 1; masterSeq <= 2; masterSeq++) {
            records.applyReplicatedChanges(List.of(new ChangeStreamApplier.ReplicatedChange("todoitem", id,
                    JSON.createObjectNode().put("text", "version " + masterSeq), UUID.randomUUID().toString(), false,
                    masterSeq, Optional.of(subject), Optional.of(createdThere), Optional.empty(), false)))
                    .await()
                    .atMost(Duration.ofSeconds(10));

            // Then this edge shows the record as created where it was, not when it arrived
            zumo(TestTokens.token(subject)).get("/tables/todoitem/" + id)
                    .then()
                    .statusCode(200)
                    .body("text", org.hamcrest.Matchers.equalTo("version " + masterSeq))
                    .body("createdAt", org.hamcrest.Matchers.equalTo("2026-01-02T03:04:05.678Z"));
        }
    }

    @Test
    void aRowFromCentralBelongsToTheOwnerCentralDecidedWhateverThisEdgeHad() {
        // Given Alice inserted, at this edge, an id that Bob had already inserted at another edge
        String alice = TestTokens.token("alice-" + UUID.randomUUID());
        String bobSubject = "bob-" + UUID.randomUUID();
        String id = UUID.randomUUID().toString();
        zumo(alice).body("{\"id\":\"" + id + "\",\"text\":\"alice's\"}")
                .post("/tables/todoitem")
                .then()
                .statusCode(201);

        // When central's change arrives: the id is Bob's
        records.applyReplicatedChange("todoitem", id, JSON.createObjectNode().put("text", "BOB SECRET"),
                UUID.randomUUID().toString(), false, Long.MAX_VALUE / 2, Optional.of(bobSubject))
                .await()
                .atMost(Duration.ofSeconds(10));

        // Then the row is Bob's here too: Alice neither reads nor changes it, Bob does
        zumo(alice).get("/tables/todoitem/" + id).then().statusCode(404);
        assertThat(zumo(alice).queryParam("$filter", "id eq '" + id + "'").get("/tables/todoitem").asString())
                .doesNotContain("BOB SECRET");
        zumo(alice).body("{\"text\":\"overwritten\"}").patch("/tables/todoitem/" + id).then().statusCode(404);
        zumo(TestTokens.token(bobSubject)).get("/tables/todoitem/" + id)
                .then()
                .statusCode(200)
                .body("text", org.hamcrest.Matchers.equalTo("BOB SECRET"));
    }

    @Test
    void anInsertOfAnotherUsersIdFromAnotherEdgeNeverReachesTheirRowWhateverThePolicy() throws Exception {
        // Given Bob's row at central, on a table whose policy lets the client win
        String bobSubject = "bob-" + UUID.randomUUID();
        String id = UUID.randomUUID().toString();
        zumo(TestTokens.token(bobSubject)).body("{\"id\":\"" + id + "\",\"text\":\"BOB SECRET\"}")
                .post("/tables/cp_client")
                .then()
                .statusCode(201);
        awaitCentral("SELECT count(*) FROM central_record WHERE table_name = 'cp_client' AND id = ?", id);

        // When Alice's insert of the same id arrives from another edge
        CudEvent alicesInsert = eventFromAnotherEdge("insert", id, "cp_client", Optional.empty(), "alice");
        OtherEdge.publish(alicesInsert);

        // Then central keeps Bob's row and records the conflict for Alice's device
        awaitCentral("SELECT count(*) FROM central_event WHERE event_id = ?::uuid AND outcome = 'conflict'",
                alicesInsert.id().toString());
        assertMasterIsBobs("cp_client", id, bobSubject);
        assertThat(queryLong("SELECT count(*) FROM sync_conflict WHERE source = 'central' AND record_id = ?"
                + " AND device_id = 'alice-phone' AND policy = 'owner' AND decision = 'server-wins'", id))
                .isEqualTo(1);
        zumo(TestTokens.token(bobSubject)).get("/tables/cp_client/" + id)
                .then()
                .statusCode(200)
                .body("text", org.hamcrest.Matchers.equalTo("BOB SECRET"));
    }

    @Test
    void aChangeOfAnotherUsersRowFromAnotherEdgeIsRefusedEvenOnItsCurrentVersion() throws Exception {
        // Given Bob's row at central
        String bobSubject = "bob-" + UUID.randomUUID();
        String id = UUID.randomUUID().toString();
        zumo(TestTokens.token(bobSubject)).body("{\"id\":\"" + id + "\",\"text\":\"BOB SECRET\"}")
                .post("/tables/todoitem")
                .then()
                .statusCode(201);
        awaitCentral("SELECT count(*) FROM central_record WHERE table_name = 'todoitem' AND id = ?", id);
        String masterVersion = queryString("SELECT version FROM central_record WHERE table_name = 'todoitem'"
                + " AND id = ?", id);

        // When Alice's update of it, based on the master's own version, arrives from another edge
        CudEvent alicesUpdate = eventFromAnotherEdge("update", id, "todoitem", Optional.of(masterVersion), "alice");
        OtherEdge.publish(alicesUpdate);

        // Then it does not apply
        awaitCentral("SELECT count(*) FROM central_event WHERE event_id = ?::uuid AND outcome = 'conflict'",
                alicesUpdate.id().toString());
        assertMasterIsBobs("todoitem", id, bobSubject);
    }

    private static CudEvent eventFromAnotherEdge(String operation, String id, String table, Optional<String> base,
            String owner) {
        Instant now = Instant.now();
        String version = UUID.randomUUID().toString();
        ObjectNode item = Items.item(id, JSON.createObjectNode().put("text", "ALICE WAS HERE"), now, now, version,
                false);
        return CudEvent.of(UUID.randomUUID(), EdgeIdentity.sourceOf("store-001"), operation, now,
                new CudEvent.Data(table, id, item, base, version, Optional.of("alice-phone"),
                        Optional.of(UUID.randomUUID().toString()), Optional.of(owner)));
    }

    private static void assertMasterIsBobs(String table, String id, String bob) throws Exception {
        assertThat(queryString("SELECT data->>'text' FROM central_record WHERE table_name = ? AND id = ?", table, id))
                .isEqualTo("BOB SECRET");
        assertThat(queryString("SELECT owner_id FROM central_record WHERE table_name = ? AND id = ?", table, id))
                .isEqualTo(bob);
    }

    private static void awaitCentral(String countQuery, String param) {
        Awaitility.await(countQuery).atMost(Duration.ofSeconds(30)).until(() -> queryLong(countQuery, param) > 0);
    }

    private static long queryLong(String sql, String... params) throws Exception {
        return Long.parseLong(queryString(sql, params));
    }

    private static String queryString(String sql, String... params) throws Exception {
        return TestInfrastructure.queryString(InfrastructureResource.DATABASE, sql, params);
    }

    private static RequestSpecification zumo(String token) {
        return given().header("ZUMO-API-VERSION", "2.0.0")
                .header("Authorization", "Bearer " + token)
                .contentType(ContentType.JSON);
    }

    private static JsonNode awaitRecord(String topic, String key) throws Exception {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfrastructure.kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "owner-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(300))) {
                    if (key.equals(record.key()) && record.value() != null) {
                        values.add(record.value());
                    }
                }
                return !values.isEmpty();
            });
        }
        return JSON.readTree(values.get(0));
    }
}
