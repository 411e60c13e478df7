package io.edgesync.events;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventCodecTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant CREATED = Instant.parse("2026-03-01T10:00:00.123Z");
    private static final Instant UPDATED = Instant.parse("2026-03-01T10:05:00.456Z");
    private static final UUID EVENT_ID = UUID.fromString("7f1c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f");

    private static CudEvent sampleEvent(String operation, Optional<String> baseVersion, boolean deleted) {
        ObjectNode data = JSON.createObjectNode().put("text", "buy milk").put("complete", false);
        data.put("price", new java.math.BigDecimal("12.50"));
        ObjectNode item = Items.item("rec-1", data, CREATED, UPDATED, "dmVyc2lvbi0y", deleted);
        return CudEvent.of(EVENT_ID, EdgeIdentity.sourceOf("store 42"), operation, UPDATED,
                new CudEvent.Data("todoitem", "rec-1", item, baseVersion, "dmVyc2lvbi0y",
                        Optional.of("device-a"), Optional.of("op-1")));
    }

    @Test
    void cudEventIsAStructuredCloudEventThatMatchesThePublishedSchema() throws Exception {
        // Given an update made by a device through edge "store 42"
        CudEvent event = sampleEvent("update", Optional.of("dmVyc2lvbi0x"), false);

        // When it is encoded
        JsonNode json = JSON.readTree(EventCodec.encodeCud(event));

        // Then it is a CloudEvents 1.0 event with the documented attributes and data
        assertThat(EventSchemas.violations(EventSchemas.CUD_EVENT, json)).isEmpty();
        assertThat(json.path("specversion").asText()).isEqualTo("1.0");
        assertThat(json.path("id").asText()).isEqualTo(EVENT_ID.toString());
        assertThat(json.path("source").asText()).isEqualTo("edgesync://edge/store+42");
        assertThat(json.path("type").asText()).isEqualTo("edgesync.cud.update");
        assertThat(json.path("time").asText()).isEqualTo("2026-03-01T10:05:00.456Z");
        assertThat(json.path("subject").asText()).isEqualTo("todoitem/rec-1");
        assertThat(json.path("datacontenttype").asText()).isEqualTo("application/json");
        JsonNode data = json.path("data");
        assertThat(data.path("table").asText()).isEqualTo("todoitem");
        assertThat(data.path("baseVersion").asText()).isEqualTo("dmVyc2lvbi0x");
        assertThat(data.path("newVersion").asText()).isEqualTo("dmVyc2lvbi0y");
        assertThat(data.path("deviceId").asText()).isEqualTo("device-a");
        assertThat(data.path("operationId").asText()).isEqualTo("op-1");
        assertThat(data.path("item").path("text").asText()).isEqualTo("buy milk");
        assertThat(data.path("item").path("createdAt").asText()).isEqualTo("2026-03-01T10:00:00.123Z");
        assertThat(data.path("item").path("version").asText()).isEqualTo("dmVyc2lvbi0y");
        assertThat(data.path("item").path("deleted").asBoolean()).isFalse();
    }

    @Test
    void insertOfANewIdHasANullBaseVersionAndNoDeviceWhenNoneIsKnown() throws Exception {
        // Given an insert without a device behind it
        CudEvent withDevice = sampleEvent("insert", Optional.empty(), false);
        CudEvent event = new CudEvent(withDevice.specVersion(), withDevice.id(), withDevice.source(),
                withDevice.type(), withDevice.time(), withDevice.subject(), withDevice.dataContentType(),
                new CudEvent.Data("todoitem", "rec-1", withDevice.data().item(), Optional.empty(), "dmVyc2lvbi0y",
                        Optional.empty(), Optional.empty()));

        // When it is encoded
        JsonNode json = JSON.readTree(EventCodec.encodeCud(event));

        // Then the optional members are present and null, and the event is still valid
        assertThat(json.path("data").has("baseVersion")).isTrue();
        assertThat(json.path("data").path("baseVersion").isNull()).isTrue();
        assertThat(json.path("data").path("deviceId").isNull()).isTrue();
        assertThat(EventSchemas.violations(EventSchemas.CUD_EVENT, json)).isEmpty();
    }

    @Test
    void decodeReadsBackWhatEncodeWroteWithNumbersIntact() {
        // Given a delete event
        CudEvent event = sampleEvent("delete", Optional.of("dmVyc2lvbi0x"), true);

        // When it goes through encode and decode
        CudEvent decoded = EventCodec.decodeCud(EventCodec.encodeCud(event));

        // Then nothing is lost
        assertThat(decoded).isEqualTo(event);
        assertThat(decoded.operation()).isEqualTo("delete");
        assertThat(decoded.deleted()).isTrue();
        assertThat(decoded.key()).isEqualTo("todoitem/rec-1");
        assertThat(decoded.updatedAt()).isEqualTo(UPDATED);
        assertThat(decoded.userColumns().path("price").decimalValue()).isEqualByComparingTo("12.50");
        assertThat(decoded.userColumns().has("version")).isFalse();
    }

    @Test
    void decodeIgnoresExtensionAttributesAndUnknownDataMembers() throws Exception {
        // Given an event with a CloudEvents extension attribute and a member added by a later version
        ObjectNode json = (ObjectNode) JSON.readTree(EventCodec.encodeCud(sampleEvent("insert", Optional.empty(),
                false)));
        json.put("partitionkey", "todoitem/rec-1");
        ((ObjectNode) json.path("data")).put("futureMember", 1);

        // When it is decoded
        CudEvent decoded = EventCodec.decodeCud(json.toString());

        // Then the known content is read
        assertThat(decoded.id()).isEqualTo(EVENT_ID);
        assertThat(decoded.data().deviceId()).contains("device-a");
    }

    static Stream<Arguments> invalidCudEvents() {
        return Stream.of(
                Arguments.of("not JSON", "{not json", null),
                Arguments.of("JSON array", "[]", null),
                Arguments.of("other specversion", "/specversion", "0.3"),
                Arguments.of("id not a UUID", "/id", "event-1"),
                Arguments.of("foreign type", "/type", "com.example.order.created"),
                Arguments.of("unknown operation", "/type", "edgesync.cud.upsert"),
                Arguments.of("time not RFC 3339", "/time", "yesterday"),
                Arguments.of("binary content type", "/datacontenttype", "application/avro"),
                Arguments.of("no data", "/data", null),
                Arguments.of("no table", "/data/table", null),
                Arguments.of("no new version", "/data/newVersion", null),
                Arguments.of("item of another record", "/data/item/id", "rec-2"),
                Arguments.of("item without version", "/data/item/version", null),
                Arguments.of("deleted not a boolean", "/data/item/deleted", "no"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidCudEvents")
    void decodeRejectsWhatIsNotACudEvent(String description, String pointerOrText, String value) throws Exception {
        // Given an otherwise valid event with one defect
        String text;
        if (!pointerOrText.startsWith("/")) {
            text = pointerOrText;
        } else {
            ObjectNode json = (ObjectNode) JSON.readTree(EventCodec.encodeCud(sampleEvent("update",
                    Optional.of("dmVyc2lvbi0x"), false)));
            String parent = pointerOrText.substring(0, pointerOrText.lastIndexOf('/'));
            String member = pointerOrText.substring(pointerOrText.lastIndexOf('/') + 1);
            ObjectNode holder = (ObjectNode) (parent.isEmpty() ? json : json.at(parent));
            if (value == null) {
                holder.remove(member);
            } else {
                holder.put(member, value);
            }
            text = json.toString();
        }

        // Then decoding fails with a format error (the consumer skips it instead of retrying forever)
        assertThatThrownBy(() -> EventCodec.decodeCud(text)).isInstanceOf(EventFormatException.class);
    }

    @Test
    void changeEventMatchesItsSchemaAndReadsBack() throws Exception {
        // Given a change published for an event
        ObjectNode item = Items.item("rec-1", JSON.createObjectNode().put("text", "x"), CREATED, UPDATED, "djE=",
                false);
        ChangeEvent change = new ChangeEvent("todoitem", "rec-1", item, "djE=", false, 42, Optional.of(EVENT_ID),
                UPDATED);

        // When it is encoded and decoded
        String text = EventCodec.encodeChange(change);

        // Then it is valid and complete
        assertThat(EventSchemas.violations(EventSchemas.CHANGE_EVENT, JSON.readTree(text))).isEmpty();
        assertThat(EventCodec.decodeChange(text)).isEqualTo(change);
        assertThat(EventCodec.decodeChange(text).userColumns()).isEqualTo(JSON.createObjectNode().put("text", "x"));
    }

    @Test
    void whenTheDeviceMadeTheChangeTravelsInBothEventsAndReadsBack() throws Exception {
        // Given a change the device says it made a minute before its edge stamped it
        Instant made = UPDATED.minusSeconds(60);
        CudEvent sample = sampleEvent("update", Optional.of("dmVyc2lvbi0x"), false);
        CudEvent event = CudEvent.of(EVENT_ID, sample.source(), "update", UPDATED,
                new CudEvent.Data("todoitem", "rec-1", sample.data().item(), Optional.of("dmVyc2lvbi0x"),
                        "dmVyc2lvbi0y", Optional.of("device-a"), Optional.of("op-1"), Optional.empty(),
                        Optional.of(made)));
        ChangeEvent change = new ChangeEvent("todoitem", "rec-1", sample.data().item(), "dmVyc2lvbi0y", false, 7,
                Optional.of(EVENT_ID), UPDATED, Optional.empty(), Optional.of(made));

        // When both are encoded
        String cud = EventCodec.encodeCud(event);
        String published = EventCodec.encodeChange(change);

        // Then both carry it, match their schemas and read back; the change time is the device's, not the stamp
        assertThat(EventSchemas.violations(EventSchemas.CUD_EVENT, JSON.readTree(cud))).isEmpty();
        assertThat(JSON.readTree(cud).at("/data/clientUpdatedAt").asText()).isEqualTo("2026-03-01T10:04:00.456Z");
        assertThat(EventCodec.decodeCud(cud)).isEqualTo(event);
        assertThat(EventCodec.decodeCud(cud).changeMadeAt()).isEqualTo(made);
        assertThat(EventSchemas.violations(EventSchemas.CHANGE_EVENT, JSON.readTree(published))).isEmpty();
        assertThat(EventCodec.decodeChange(published)).isEqualTo(change);
        assertThat(EventCodec.decodeChange(published).changeMadeAt()).contains(made);
        // And without it, a change counts as made when its edge stamped it
        assertThat(sample.changeMadeAt()).isEqualTo(UPDATED);
    }

    @Test
    void theOriginTimeOfAChangeMatchesItsSchemaAndReadsBack() throws Exception {
        // Given a publication of a change the edge where it was made wrote 150 ms before central decided it
        ObjectNode item = Items.item("rec-1", JSON.createObjectNode().put("text", "x"), UPDATED, UPDATED, "djE=",
                false);
        ChangeEvent change = new ChangeEvent("todoitem", "rec-1", item, "djE=", false, 9, Optional.of(EVENT_ID),
                UPDATED.plusMillis(150), Optional.empty(), Optional.empty(), Optional.of(UPDATED));

        // When it is encoded
        String published = EventCodec.encodeChange(change);

        // Then it carries the origin time, matches its schema and reads back
        assertThat(JSON.readTree(published).path("originTime").asText()).isEqualTo("2026-03-01T10:05:00.456Z");
        assertThat(EventSchemas.violations(EventSchemas.CHANGE_EVENT, JSON.readTree(published))).isEmpty();
        assertThat(EventCodec.decodeChange(published)).isEqualTo(change);
    }

    @Test
    void theOriginEdgeAndThePreviousColumnsOfAChangeMatchTheSchemaAndReadBack() throws Exception {
        // Given a record moved from region south to north (its note dropped, a tag added) by edge shop-17's device
        ObjectNode before = JSON.createObjectNode().put("text", "x").put("region", "south").put("note", "n");
        ObjectNode after = JSON.createObjectNode().put("text", "x").put("region", "north").put("tag", 3);
        ChangeEvent.Previous previous = ChangeEvent.Previous.between(before, after);
        ObjectNode item = Items.item("rec-1", after, CREATED, UPDATED, "djI=", false);
        ChangeEvent change = new ChangeEvent("todoitem", "rec-1", item, "djI=", false, 9, Optional.of(EVENT_ID),
                UPDATED, Optional.empty(), Optional.empty(), Optional.of(UPDATED),
                Optional.of(EdgeIdentity.sourceOf("shop-17")), Optional.of(previous));
        ChangeEvent first = new ChangeEvent("todoitem", "rec-2", Items.item("rec-2", after, CREATED, UPDATED, "djI=",
                false), "djI=", false, 10, Optional.of(EVENT_ID),
                UPDATED, Optional.empty(), Optional.empty(), Optional.of(UPDATED),
                Optional.of(EdgeIdentity.sourceOf("shop-17")), Optional.of(ChangeEvent.Previous.none()));

        // When they are encoded
        String published = EventCodec.encodeChange(change);
        String firstPublished = EventCodec.encodeChange(first);

        // Then the change carries only the altered columns' previous values, and the first change a null previous
        assertThat(JSON.readTree(published).path("origin").asText()).isEqualTo("edgesync://edge/shop-17");
        assertThat(JSON.readTree(published).path("previous"))
                .isEqualTo(JSON.readTree("{\"region\":\"south\",\"note\":\"n\",\"tag\":null}"));
        assertThat(JSON.readTree(firstPublished).get("previous").isNull()).isTrue();
        // And both match the schema and read back, the previous columns whole again
        assertThat(EventSchemas.violations(EventSchemas.CHANGE_EVENT, JSON.readTree(published))).isEmpty();
        assertThat(EventSchemas.violations(EventSchemas.CHANGE_EVENT, JSON.readTree(firstPublished))).isEmpty();
        assertThat(EventCodec.decodeChange(published)).isEqualTo(change);
        assertThat(EventCodec.decodeChange(firstPublished)).isEqualTo(first);
        assertThat(EventCodec.decodeChange(published).previous().orElseThrow().columnsBefore(after)).contains(before);
        assertThat(EventCodec.decodeChange(firstPublished).previous().orElseThrow().columnsBefore(after)).isEmpty();
        // And an event of an older central service says neither
        ObjectNode older = (ObjectNode) JSON.readTree(published);
        older.remove(List.of("origin", "previous"));
        assertThat(EventCodec.decodeChange(older.toString()).origin()).isEmpty();
        assertThat(EventCodec.decodeChange(older.toString()).previous()).isEmpty();
    }

    @Test
    void heartbeatMatchesItsSchemaAndReadsBack() throws Exception {
        for (Heartbeat heartbeat : List.of(new Heartbeat("central-0", UPDATED, true, Optional.empty(), 3),
                new Heartbeat("central-1", UPDATED, false, Optional.of("database unavailable"), 0))) {
            String text = EventCodec.encodeHeartbeat(heartbeat);

            assertThat(EventSchemas.violations(EventSchemas.HEARTBEAT, JSON.readTree(text))).isEmpty();
            assertThat(EventCodec.decodeHeartbeat(text)).isEqualTo(heartbeat);
        }
    }

    @Test
    void changeEventWithoutAPositiveMasterSeqIsRejected() throws Exception {
        ObjectNode item = Items.item("rec-1", JSON.createObjectNode(), CREATED, UPDATED, "djE=", false);
        ObjectNode json = (ObjectNode) JSON.readTree(EventCodec.encodeChange(new ChangeEvent("todoitem", "rec-1",
                item, "djE=", false, 1, Optional.empty(), UPDATED)));
        json.put("masterSeq", 0);

        assertThatThrownBy(() -> EventCodec.decodeChange(json.toString())).isInstanceOf(EventFormatException.class);
    }

    @Test
    void conflictEventMatchesItsSchema() throws Exception {
        // Given a conflict the server won
        CudEvent event = sampleEvent("update", Optional.of("b2xk"), false);
        ObjectNode master = Items.item("rec-1", JSON.createObjectNode().put("text", "server"), CREATED, UPDATED,
                "c2VydmVy", false);
        ConflictEvent conflict = new ConflictEvent("todoitem", "rec-1", UPDATED, "stale-version", "server-wins",
                "server-wins", "event", event, master, master, 7);

        // When it is encoded
        JsonNode json = JSON.readTree(EventCodec.encodeConflict(conflict));

        // Then it is valid and carries both sides whole
        assertThat(EventSchemas.violations(EventSchemas.CONFLICT_EVENT, json)).isEmpty();
        assertThat(json.at("/event/data/item/text").asText()).isEqualTo("buy milk");
        assertThat(json.at("/master/text").asText()).isEqualTo("server");
        assertThat(json.path("loser").asText()).isEqualTo("event");
    }
}
