package io.edgesync.foundation;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
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

import io.edgesync.testsupport.FoundationProbe;
import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.TestInfrastructure;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class FoundationTest {

    @Inject
    FoundationProbe probe;

    @Test
    void readinessIsUpWithDatabaseAndKafka() {
        given()
                .when()
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("Kafka"))
                .body("checks.name", hasItem("Database"));
    }

    @Test
    void livenessIsUp() {
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void deviceRegisteredThroughTheApiIsStoredInPostgres() throws Exception {
        // Given a new device id
        String deviceId = "device-" + UUID.randomUUID();

        // When the device registers through the native API
        given()
                .contentType(ContentType.JSON)
                .body(Map.of("clientVersion", "test/1.0"))
                .when()
                .put("/sync/v1/devices/{id}", deviceId)
                .then()
                .statusCode(200)
                .body("id", equalTo(deviceId))
                .body("clientVersion", equalTo("test/1.0"));

        // Then PostgreSQL holds its row
        try (Connection connection = TestInfrastructure.connect(InfrastructureResource.DATABASE);
                PreparedStatement query = connection
                        .prepareStatement("SELECT client_version, first_seen FROM device WHERE id = ?")) {
            query.setString(1, deviceId);
            try (ResultSet row = query.executeQuery()) {
                assertThat(row.next()).as("device row in PostgreSQL").isTrue();
                assertThat(row.getString("client_version")).isEqualTo("test/1.0");
                assertThat(row.getTimestamp("first_seen")).isNotNull();
            }
        }
    }

    @Test
    void invalidDeviceIdIsAProblem400() {
        given()
                .contentType(ContentType.JSON)
                .body("{}")
                .when()
                .put("/sync/v1/devices/{id}", "bad id!")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("status", equalTo(400));
    }

    @Test
    void unknownDeviceIsAProblem404() {
        given()
                .when()
                .get("/sync/v1/devices/{id}", "never-seen-" + UUID.randomUUID())
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    void recordSentThroughReactiveMessagingIsReadByAPlainKafkaConsumer() {
        // Given a unique payload
        String payload = "probe-" + UUID.randomUUID();

        // When it goes out through the SmallRye Kafka connector and the broker acknowledges it
        probe.sendAndAwaitAck(payload);

        // Then a plain KafkaConsumer reads it from the topic
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfrastructure.kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "foundation-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of("edgesync.test.foundation-probe"));
            List<String> seen = new ArrayList<>();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    seen.add(record.value());
                }
                return seen.contains(payload);
            });
        }
    }

    @Test
    void metricsAreExposedInPrometheusFormat() {
        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("# TYPE").contains("jvm_memory_used_bytes");
    }

    @Test
    void everyMetricOfTheGatewayExplainsItselfInItsHelpText() {
        // Given the write, pull and push paths used once, so that their meters exist
        given().header("ZUMO-API-VERSION", "2.0.0")
                .contentType("application/json")
                .body("{\"text\":\"metrics\"}")
                .post("/tables/todoitem")
                .then()
                .statusCode(201);
        given().header("ZUMO-API-VERSION", "2.0.0").get("/tables/todoitem").then().statusCode(200);
        given().contentType("application/json")
                .body("{\"operations\":[]}")
                .post("/sync/v1/devices/metrics-device/push")
                .then()
                .statusCode(200);

        // Then each edgesync_ metric has a HELP line that says something
        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        List<String> silent = metrics.lines()
                .filter(line -> line.startsWith("# HELP edgesync_"))
                .filter(line -> line.split(" ", 4).length < 4 || line.split(" ", 4)[3].isBlank())
                .toList();
        assertThat(silent).isEmpty();
        assertThat(metrics).contains("# HELP edgesync_");
    }

    @Test
    void openApiDescribesTheNativeApi() {
        String openapi = given().when().get("/q/openapi").then().statusCode(200).extract().asString();
        assertThat(openapi).contains("/sync/v1/devices/{deviceId}");
    }

    @Test
    void readinessIsDownWhileTheDatabaseIsUnreachableAndUpAgainAfterwards() {
        InfrastructureResource.databaseProxy().cut();
        try {
            // Readiness answers promptly with DOWN (a JSON health document with 503, not a hang or an error page)
            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Response response = given().when().get("/q/health/ready");
                assertThat(response.statusCode()).isEqualTo(503);
                assertThat(response.contentType()).startsWith("application/json");
                assertThat(response.jsonPath().getString("status")).isEqualTo("DOWN");
                assertThat(response.time()).isLessThan(15_000L);
            });
        } finally {
            InfrastructureResource.databaseProxy().restore();
        }
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given()
                        .when()
                        .get("/q/health/ready")
                        .then()
                        .statusCode(200));
    }
}
