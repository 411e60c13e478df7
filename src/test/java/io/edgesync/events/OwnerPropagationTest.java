package io.edgesync.events;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

import io.edgesync.cache.RecordService;
import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.TestInfrastructure;
import io.edgesync.testsupport.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A row's owner travels with its changes (CUD event, master row, change stream), so a per-user row written through one
 * edge belongs to the same user at every other edge.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class OwnerPropagationTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    RecordService records;

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
                UUID.randomUUID().toString(), false, 1, java.util.Optional.of(subject))
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
