package io.edgesync.events;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgesync.central.CentralTableService;
import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.TestInfrastructure;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Role {@code all} against the real broker: a device's write leaves the edge as a CloudEvent that any Kafka client can
 * read, the central service applies it once and publishes it on the change stream, and the edge confirms it.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class CudEventsKafkaTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WITHIN = Duration.ofSeconds(30);

    @Inject
    CentralTableService central;

    @Inject
    EdgeOutbox edgeOutbox;

    @Inject
    Pool pool;

    private static Response insert(String device, String body) {
        return given().header("ZUMO-API-VERSION", "2.0.0")
                .header("X-ZUMO-INSTALLATION-ID", device)
                .contentType(ContentType.JSON)
                .body(body)
                .when()
                .post("/tables/todoitem");
    }

    /** Reads {@code topic} from the beginning with a plain consumer until a record matches. */
    private static List<ConsumerRecord<String, String>> readUntil(String topic, String key,
            Predicate<List<ConsumerRecord<String, String>>> done) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfrastructure.kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "plain-consumer-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, String>> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            Awaitility.await("records of " + key + " on " + topic)
                    .atMost(WITHIN)
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> {
                        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(300))) {
                            if (key.equals(record.key())) {
                                seen.add(record);
                            }
                        }
                        return done.test(seen);
                    });
        }
        return seen;
    }

    /**
     * Every record of {@code todoitem/id} on the change stream, once central's relay has published all it wrote of the
     * record: read from the beginning up to the topic's end.
     */
    private static List<ConsumerRecord<String, String>> changesPublished(String id) throws Exception {
        Awaitility.await("central's outbox rows of " + id + " published")
                .atMost(WITHIN)
                .until(() -> queryLong("SELECT count(*) FROM central_outbox WHERE record_id = ? AND sent_at IS NULL",
                        id) == 0);
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfrastructure.kafkaBootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, String>> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor("edgesync.changes")
                    .stream()
                    .map(partition -> new TopicPartition(partition.topic(), partition.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Awaitility.await("the change stream read to its end")
                    .atMost(WITHIN)
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> {
                        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(300))) {
                            if (("todoitem/" + id).equals(record.key())) {
                                seen.add(record);
                            }
                        }
                        return partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p));
                    });
        }
        return seen;
    }

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    private static long queryLong(String sql, String... params) throws Exception {
        String value = TestInfrastructure.queryString(InfrastructureResource.DATABASE, sql, params);
        return value == null ? -1 : Long.parseLong(value);
    }

    @Test
    void deviceWriteIsACloudEventThatAPlainConsumerReadsAndComesBackConfirmed() throws Exception {
        // Given a device of this edge
        String device = "device-" + UUID.randomUUID();

        // When it inserts an item
        Response created = insert(device, "{\"text\":\"buy milk\",\"complete\":false}");
        assertThat(created.statusCode()).isEqualTo(201);
        String id = created.path("id");
        String version = created.path("version");
        String key = "todoitem/" + id;

        // Then a plain Kafka consumer reads its CUD event, valid per the published schema
        ConsumerRecord<String, String> record = readUntil("edgesync.cud", key, seen -> !seen.isEmpty()).get(0);
        JsonNode event = json(record.value());
        assertThat(EventSchemas.violations(EventSchemas.CUD_EVENT, event)).isEmpty();
        assertThat(event.path("specversion").asText()).isEqualTo("1.0");
        assertThat(event.path("type").asText()).isEqualTo("edgesync.cud.insert");
        assertThat(event.path("source").asText()).startsWith("edgesync://edge/");
        assertThat(event.path("subject").asText()).isEqualTo(key);
        assertThat(event.at("/data/table").asText()).isEqualTo("todoitem");
        assertThat(event.at("/data/id").asText()).isEqualTo(id);
        assertThat(event.at("/data/baseVersion").isNull()).isTrue();
        assertThat(event.at("/data/newVersion").asText()).isEqualTo(version);
        assertThat(event.at("/data/deviceId").asText()).isEqualTo(device);
        assertThat(event.at("/data/operationId").asText()).isNotBlank();
        assertThat(event.at("/data/item/text").asText()).isEqualTo("buy milk");
        assertThat(event.at("/data/item/complete").asBoolean()).isFalse();
        assertThat(event.at("/data/item/version").asText()).isEqualTo(version);
        assertThat(event.at("/data/item/updatedAt").asText()).isEqualTo(created.path("updatedAt").toString());

        // And the central service publishes the accepted row on the change stream, caused by that event
        ConsumerRecord<String, String> changeRecord = readUntil("edgesync.changes", key, seen -> !seen.isEmpty())
                .get(0);
        JsonNode change = json(changeRecord.value());
        assertThat(EventSchemas.violations(EventSchemas.CHANGE_EVENT, change)).isEmpty();
        assertThat(change.path("version").asText()).isEqualTo(version);
        assertThat(change.path("deleted").asBoolean()).isFalse();
        assertThat(change.path("eventId").asText()).isEqualTo(event.path("id").asText());
        assertThat(change.path("originTime").asText()).isEqualTo(event.path("time").asText());
        assertThat(change.at("/item/text").asText()).isEqualTo("buy milk");
        long masterSeq = change.path("masterSeq").asLong();
        assertThat(masterSeq).isPositive();

        // And the edge confirms it: the cached row records the master position, its version unchanged
        Awaitility.await("edge confirms the change")
                .atMost(WITHIN)
                .until(() -> queryLong("SELECT master_seq FROM sync_record WHERE table_name = 'todoitem' AND id = ?",
                        id) == masterSeq);
        given().header("ZUMO-API-VERSION", "2.0.0")
                .when()
                .get("/tables/todoitem/{id}", id)
                .then()
                .statusCode(200)
                .header("ETag", "\"" + version + "\"");

        // And the time it took from its write to its confirmation is in the propagation histogram, explained
        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("# HELP edgesync_changes_propagation_seconds Time from a change's write");
        assertThat(metrics).containsPattern(
                "edgesync_changes_propagation_seconds_bucket\\{outcome=\"confirmed\",le=\"[0-9.]+\"}");
        assertThat(metrics.lines()
                .filter(line -> line.startsWith("edgesync_changes_propagation_seconds_count{outcome=\"confirmed\"}"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum()).isPositive();
    }

    @Test
    void changesOfOneRecordAreEventsInOrderAppliedOnceEachAtCentral() throws Exception {
        // Given an item a device inserts, updates twice and deletes
        String device = "device-" + UUID.randomUUID();
        Response created = insert(device, "{\"text\":\"v1\"}");
        String id = created.path("id");
        List<String> versions = new ArrayList<>(List.of((String) created.path("version")));
        for (String text : List.of("v2", "v3")) {
            versions.add(given().header("ZUMO-API-VERSION", "2.0.0")
                    .header("X-ZUMO-INSTALLATION-ID", device)
                    .contentType(ContentType.JSON)
                    .body("{\"text\":\"" + text + "\"}")
                    .when()
                    .patch("/tables/todoitem/{id}", id)
                    .then()
                    .statusCode(200)
                    .extract()
                    .path("version"));
        }
        given().header("ZUMO-API-VERSION", "2.0.0")
                .header("X-ZUMO-INSTALLATION-ID", device)
                .when()
                .delete("/tables/todoitem/{id}", id)
                .then()
                .statusCode(200);

        // When the events reach Kafka
        List<ConsumerRecord<String, String>> events = readUntil("edgesync.cud", "todoitem/" + id,
                seen -> seen.size() >= 4);

        // Then they are in the order of the changes, each based on the version before it
        List<String> types = new ArrayList<>();
        List<String> newVersions = new ArrayList<>();
        String previous = null;
        for (ConsumerRecord<String, String> record : events.subList(0, 4)) {
            JsonNode event = json(record.value());
            types.add(event.path("type").asText());
            if (previous != null) {
                assertThat(event.at("/data/baseVersion").asText()).isEqualTo(previous);
            }
            previous = event.at("/data/newVersion").asText();
            newVersions.add(previous);
        }
        assertThat(types).containsExactly("edgesync.cud.insert", "edgesync.cud.update", "edgesync.cud.update",
                "edgesync.cud.delete");
        // (each carrying the version the device was answered)
        assertThat(newVersions.subList(0, 3)).containsExactlyElementsOf(versions);
        assertThat(events.stream().map(ConsumerRecord::partition).distinct()).hasSize(1);

        // And the central service applied each exactly once, without conflicts, ending with the tombstone
        Awaitility.await("central applied the delete")
                .atMost(WITHIN)
                .until(() -> queryLong("SELECT count(*) FROM central_record WHERE table_name = 'todoitem' AND id = ?"
                        + " AND deleted", id) == 1);
        assertThat(queryLong("SELECT count(*) FROM central_event WHERE table_name = 'todoitem' AND record_id = ?"
                + " AND outcome = 'applied'", id)).isEqualTo(4);
        assertThat(queryLong("SELECT count(*) FROM sync_conflict WHERE source = 'central' AND record_id = ?", id))
                .isZero();

        // And the edge's cache was never taken back to an older version by the echoes of the earlier changes
        Awaitility.await("edge confirms the delete")
                .atMost(WITHIN)
                .until(() -> queryLong("SELECT count(*) FROM sync_record WHERE table_name = 'todoitem' AND id = ?"
                        + " AND deleted AND master_seq > 0", id) == 1);
        assertThat(queryLong("SELECT count(*) FROM sync_record WHERE table_name = 'todoitem' AND id = ?"
                + " AND deleted AND version = '" + previous + "'", id)).isEqualTo(1);
    }

    @Test
    void redeliveredEventHasNoSecondEffectAtCentral() throws Exception {
        // Given an item inserted and then changed, both applied at central
        String device = "device-" + UUID.randomUUID();
        String id = insert(device, "{\"text\":\"first\"}").path("id");
        String latest = given().header("ZUMO-API-VERSION", "2.0.0")
                .header("X-ZUMO-INSTALLATION-ID", device)
                .contentType(ContentType.JSON)
                .body("{\"text\":\"second\"}")
                .when()
                .patch("/tables/todoitem/{id}", id)
                .then()
                .statusCode(200)
                .extract()
                .path("version");
        List<ConsumerRecord<String, String>> events = readUntil("edgesync.cud", "todoitem/" + id,
                seen -> seen.size() >= 2);
        Awaitility.await("central applied both")
                .atMost(WITHIN)
                .until(() -> queryLong("SELECT count(*) FROM central_event WHERE record_id = ? AND outcome = 'applied'",
                        id) == 2);
        double duplicatesBefore = centralEventCount("duplicate");

        // When Kafka delivers the insert again, after the change (a relay resend after a failure)
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfrastructure.kafkaBootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>("edgesync.cud", events.get(0).key(), events.get(0).value()))
                    .get(10, TimeUnit.SECONDS);
        }

        // Then central drops the copy by its event id: no conflict, no publication, the master keeps the change
        Awaitility.await("central saw the copy")
                .atMost(WITHIN)
                .until(() -> centralEventCount("duplicate") > duplicatesBefore);
        assertThat(queryLong("SELECT count(*) FROM central_event WHERE record_id = ?", id)).isEqualTo(2);
        assertThat(changesPublished(id)).hasSize(2);
        assertThat(queryLong("SELECT count(*) FROM sync_conflict WHERE source = 'central' AND record_id = ?", id))
                .isZero();
        assertThat(queryLong("SELECT count(*) FROM central_record WHERE id = ? AND version = '" + latest + "'", id))
                .isEqualTo(1);
    }

    @Test
    void invalidRecordAmongEventsIsSkippedAndTheOthersApplyOnceEach() throws Exception {
        // Given an insert, a record that is no event, an update and a copy of the insert, all of one record (one
        // partition, so central takes them in this order, usually in one transaction)
        String id = "batch-" + UUID.randomUUID();
        String key = "todoitem/" + id;
        Instant now = Instant.now();
        CudEvent insert = CudEvent.of(UUID.randomUUID(), "test-edge", "insert", now,
                new CudEvent.Data("todoitem", id, item(id, "v1", now), Optional.empty(), "v1", Optional.empty(),
                        Optional.empty()));
        CudEvent update = CudEvent.of(UUID.randomUUID(), "test-edge", "update", now.plusMillis(1),
                new CudEvent.Data("todoitem", id, item(id, "v2", now.plusMillis(1)), Optional.of("v1"), "v2",
                        Optional.empty(), Optional.empty()));
        double duplicatesBefore = centralEventCount("duplicate");
        double invalidBefore = invalidCount();

        // When they arrive on the CUD topic together
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfrastructure.kafkaBootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 50);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
                new StringSerializer())) {
            List<Future<RecordMetadata>> sent = List.of(
                    producer.send(new ProducerRecord<>("edgesync.cud", key, EventCodec.encodeCud(insert))),
                    producer.send(new ProducerRecord<>("edgesync.cud", key, "{\"not\": \"an event\"}")),
                    producer.send(new ProducerRecord<>("edgesync.cud", key, EventCodec.encodeCud(update))),
                    producer.send(new ProducerRecord<>("edgesync.cud", key, EventCodec.encodeCud(insert))));
            producer.flush();
            for (Future<RecordMetadata> record : sent) {
                record.get(10, TimeUnit.SECONDS);
            }
        }

        // Then the invalid record is counted and skipped, both changes apply in order, the copy is a duplicate
        Awaitility.await("central handled the four records")
                .atMost(WITHIN)
                .until(() -> centralEventCount("duplicate") > duplicatesBefore && invalidCount() > invalidBefore);
        assertThat(queryLong("SELECT count(*) FROM central_event WHERE record_id = ? AND outcome = 'applied'", id))
                .isEqualTo(2);
        assertThat(queryLong("SELECT count(*) FROM central_record WHERE id = ? AND version = 'v2'", id))
                .isEqualTo(1);
        assertThat(changesPublished(id)).hasSize(2);
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode item(String id, String version, Instant at) {
        return JSON.createObjectNode()
                .put("id", id)
                .put("text", "text of " + version)
                .put("createdAt", at.toString())
                .put("updatedAt", at.toString())
                .put("version", version)
                .put("deleted", false);
    }

    private static double invalidCount() {
        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        double total = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("edgesync_events_invalid_total{") && line.contains("topic=\"edgesync.cud\"")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    @Test
    void outboxRowsGoAsSoonAsKafkaAcknowledgedThem() throws Exception {
        // Given a device's change, relayed to Kafka, applied by the central service and confirmed at the edge
        String device = "device-" + UUID.randomUUID();
        String id = insert(device, "{\"text\":\"published once\"}").path("id");
        Awaitility.await("relayed and confirmed")
                .atMost(WITHIN)
                .until(() -> queryLong("SELECT master_seq FROM sync_record WHERE table_name = 'todoitem' AND id = ?",
                        id) > 0);
        readUntil("edgesync.cud", "todoitem/" + id, seen -> !seen.isEmpty());

        // Then neither outbox keeps a row of it (the default retention is none: Kafka holds what was published)
        Awaitility.await("both outboxes' rows of " + id + " deleted")
                .atMost(WITHIN)
                .until(() -> queryLong("SELECT count(*) FROM outbox_event WHERE record_id = ?", id) == 0
                        && queryLong("SELECT count(*) FROM central_outbox WHERE record_id = ?", id) == 0);
    }

    @Test
    void rowsKeptForOperatorsAreMarkedSentAndGoAfterTheRetentionPeriod() {
        // Given an outbox row that a relay keeping rows (a retention of some days) has published, and retention run
        // with its cutoff just before that row was relayed, then just after it: all in one transaction, which neither
        // the running relay nor the gateway's own retention (which, at its default of 0 days, deletes every row marked
        // sent) can see
        String id = "kept-" + UUID.randomUUID();
        Retained seen = pool.withTransaction(connection -> connection.preparedQuery("""
                INSERT INTO outbox_event (table_name, record_id, operation, new_version, data, deleted, created_at,
                                          updated_at)
                VALUES ('todoitem', $1, 'insert', 'v-1', '{"text":"kept a while"}', FALSE, now(), now())
                RETURNING id""")
                .execute(Tuple.of(id))
                .map(rows -> rows.iterator().next().getLong(0))
                .call(row -> edgeOutbox.relayed(connection, List.of(row), true))
                .flatMap(row -> connection.preparedQuery("SELECT sent_at FROM outbox_event WHERE id = $1")
                        .execute(Tuple.of(row)))
                .map(rows -> Optional.ofNullable(rows.iterator().next().getOffsetDateTime(0))
                        .map(OffsetDateTime::toInstant))
                .flatMap(sentAt -> sentAt.isEmpty()
                        ? Uni.createFrom().item(new Retained(false, -1, -1, -1))
                        : edgeOutbox.deleteSentBefore(connection, sentAt.get().minusMillis(1), 100_000)
                                .flatMap(early -> rowsOf(connection, id))
                                .flatMap(keptEarly -> edgeOutbox
                                        .deleteSentBefore(connection, sentAt.get().plusMillis(1), 100_000)
                                        .flatMap(deleted -> rowsOf(connection, id)
                                                .map(left -> new Retained(true, keptEarly, deleted, left))))))
                .await()
                .atMost(WITHIN);

        // Then the row was marked sent, stayed until its time, and went then
        assertThat(seen.markedSent()).as("marked sent").isTrue();
        assertThat(seen.keptEarly()).isEqualTo(1);
        assertThat(seen.deleted()).isGreaterThanOrEqualTo(1);
        assertThat(seen.left()).isZero();
    }

    /** What the retention test saw of its row: marked sent, rows left before and after the cutoff, rows deleted. */
    private record Retained(boolean markedSent, long keptEarly, int deleted, long left) {
    }

    private static Uni<Long> rowsOf(SqlConnection connection, String recordId) {
        return connection.preparedQuery("SELECT count(*) FROM outbox_event WHERE record_id = $1")
                .execute(Tuple.of(recordId))
                .map(rows -> rows.iterator().next().getLong(0));
    }

    /** The central service's count of processed CUD events with this outcome, from the Prometheus endpoint. */
    private static double centralEventCount(String outcome) {
        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        double total = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("edgesync_central_events_total{") && line.contains("outcome=\"" + outcome + "\"")
                    && line.contains("table=\"todoitem\"")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    @Test
    void purgedMasterTombstoneIsAKafkaTombstoneAndTheEdgeKeepsItsTombstoneRow() throws Exception {
        // Given a deleted item, known deleted at central
        String device = "device-" + UUID.randomUUID();
        String id = insert(device, "{\"text\":\"short-lived\"}").path("id");
        given().header("ZUMO-API-VERSION", "2.0.0")
                .header("X-ZUMO-INSTALLATION-ID", device)
                .when()
                .delete("/tables/todoitem/{id}", id)
                .then()
                .statusCode(200);
        Awaitility.await("central applied the delete")
                .atMost(WITHIN)
                .until(() -> queryLong("SELECT count(*) FROM central_record WHERE table_name = 'todoitem' AND id = ?"
                        + " AND deleted", id) == 1);

        // When central purges its tombstones
        assertThat(central.purgeTombstones(Duration.ZERO).await().atMost(WITHIN)).isPositive();

        // Then the change stream ends the key with a Kafka tombstone (null value), which compaction keeps last
        List<ConsumerRecord<String, String>> changes = readUntil("edgesync.changes", "todoitem/" + id,
                seen -> !seen.isEmpty() && seen.get(seen.size() - 1).value() == null);
        assertThat(json(changes.get(changes.size() - 2).value()).path("deleted").asBoolean()).isTrue();
        assertThat(queryLong("SELECT count(*) FROM central_record WHERE id = ?", id)).isZero();

        // And the edge still has its tombstone row for devices that have not pulled the delete yet
        Thread.sleep(1000);
        assertThat(queryLong("SELECT count(*) FROM sync_record WHERE table_name = 'todoitem' AND id = ? AND deleted",
                id)).isEqualTo(1);
    }

    @Test
    void readinessReportsTheEventPipelineAndMetricsShowTheOutboxLag() {
        Awaitility.await("events flowing").atMost(WITHIN).untilAsserted(() -> {
            Response ready = given().when().get("/q/health/ready");
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.jsonPath().getString("checks.find { it.name == 'Kafka' }.status")).isEqualTo("UP");
            assertThat(ready.jsonPath().getString("checks.find { it.name == 'Kafka' }.data.events"))
                    .isEqualTo("flowing");
        });

        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("edgesync_outbox_lag{outbox=\"edge\"")
                .contains("edgesync_outbox_lag{outbox=\"central\"")
                .contains("edgesync_outbox_oldest_age_seconds{outbox=\"edge\"");

        // And the lag of each consumer's partitions is in the readiness detail and the metrics, once the consumers
        // fetched (they measure it once a second)
        Awaitility.await("consumer lags known").atMost(WITHIN).untilAsserted(() -> {
            Response ready = given().when().get("/q/health/ready");
            assertThat(ready.jsonPath().getString("checks.find { it.name == 'Kafka' }.data.'consumer.cud.lag'"))
                    .matches("(edgesync\\.cud-[0-9]+=[0-9]+(, )?)+");
            assertThat(ready.jsonPath().getString("checks.find { it.name == 'Kafka' }.data.'consumer.changes.lag'"))
                    .contains("edgesync.changes-0=");
            assertThat(given().when().get("/q/metrics").then().statusCode(200).extract().asString())
                    .contains("# HELP edgesync_consumer_lag Records of a partition")
                    .containsPattern("edgesync_consumer_lag\\{consumer=\"cud\",partition=\"[0-9]+\","
                            + "topic=\"edgesync.cud\"} [0-9.]+");
        });
    }
}
