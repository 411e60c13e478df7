package io.edgesync.events;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.ProtocolDates;

/**
 * JSON encoding of the three event kinds, exactly as {@code docs/events/*.schema.json} describe them. Decoding is
 * strict about what EdgeSync relies on and ignores members it does not know (CloudEvents extension attributes, later
 * additions).
 */
public final class EventCodec {

    /** Numbers keep their decimal digits through a decode and encode. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private EventCodec() {
    }

    // ------------------------------------------------------------------------------------------------- CUD events

    /** The structured-mode CloudEvents JSON of a CUD event. */
    public static String encodeCud(CudEvent event) {
        return cudNode(event).toString();
    }

    static ObjectNode cudNode(CudEvent event) {
        ObjectNode node = JSON.createObjectNode();
        node.put("specversion", event.specVersion());
        node.put("id", event.id().toString());
        node.put("source", event.source());
        node.put("type", event.type());
        node.put("time", ProtocolDates.format(event.time()));
        node.put("subject", event.subject());
        node.put("datacontenttype", event.dataContentType());
        CudEvent.Data data = event.data();
        ObjectNode body = node.putObject("data");
        body.put("table", data.table());
        body.put("id", data.id());
        body.set("item", data.item());
        body.put("baseVersion", data.baseVersion().orElse(null));
        body.put("newVersion", data.newVersion());
        body.put("deviceId", data.deviceId().orElse(null));
        body.put("operationId", data.operationId().orElse(null));
        body.put("owner", data.owner().orElse(null));
        body.put("clientUpdatedAt", data.clientUpdatedAt().map(ProtocolDates::format).orElse(null));
        return node;
    }

    /**
     * Reads a CUD event.
     *
     * @throws EventFormatException when the text is not JSON or not a CUD event
     */
    public static CudEvent decodeCud(String text) {
        JsonNode node = parse(text);
        String specVersion = requiredText(node, "specversion");
        if (!CudEvent.SPEC_VERSION.equals(specVersion)) {
            throw new EventFormatException("Unsupported CloudEvents specversion " + specVersion);
        }
        UUID id = uuid(requiredText(node, "id"), "id");
        String source = requiredText(node, "source");
        String type = requiredText(node, "type");
        if (!type.startsWith(CudEvent.TYPE_PREFIX)
                || !CudEvent.OPERATIONS.contains(type.substring(CudEvent.TYPE_PREFIX.length()))) {
            throw new EventFormatException("Not a CUD event type: " + type);
        }
        Instant time = instant(requiredText(node, "time"), "time");
        Optional<String> contentType = optionalText(node, "datacontenttype");
        if (contentType.isPresent() && !contentType.get().startsWith(CudEvent.CONTENT_TYPE)) {
            throw new EventFormatException("Unsupported datacontenttype " + contentType.get());
        }
        JsonNode data = node.get("data");
        if (data == null || !data.isObject()) {
            throw new EventFormatException("CUD event without a data object");
        }
        String table = requiredText(data, "table");
        String recordId = requiredText(data, "id");
        ObjectNode item = item(data.get("item"), recordId);
        CudEvent.Data body = new CudEvent.Data(table, recordId, item, optionalText(data, "baseVersion"),
                requiredText(data, "newVersion"), optionalText(data, "deviceId"), optionalText(data, "operationId"),
                optionalText(data, "owner"),
                optionalText(data, "clientUpdatedAt").map(value -> instant(value, "clientUpdatedAt")));
        return new CudEvent(specVersion, id, source, type, time,
                optionalText(node, "subject").orElse(CudEvent.key(table, recordId)),
                contentType.orElse(CudEvent.CONTENT_TYPE), body);
    }

    // ---------------------------------------------------------------------------------------------- change events

    /** The value of a change-stream message. */
    public static String encodeChange(ChangeEvent change) {
        ObjectNode node = JSON.createObjectNode();
        node.put("table", change.table());
        node.put("id", change.id());
        node.set("item", change.item());
        node.put("version", change.version());
        node.put("deleted", change.deleted());
        node.put("masterSeq", change.masterSeq());
        node.put("eventId", change.eventId().map(UUID::toString).orElse(null));
        node.put("time", ProtocolDates.format(change.time()));
        node.put("owner", change.owner().orElse(null));
        node.put("clientUpdatedAt", change.clientUpdatedAt().map(ProtocolDates::format).orElse(null));
        node.put("originTime", change.originTime().map(ProtocolDates::format).orElse(null));
        change.origin().ifPresent(origin -> node.put("origin", origin));
        change.previous().ifPresent(previous -> {
            if (previous.existed()) {
                node.set("previous", previous.changedColumns());
            } else {
                node.putNull("previous");
            }
        });
        return node.toString();
    }

    /**
     * Reads a change-stream value (not a tombstone: a null value has no event).
     *
     * @throws EventFormatException when the text is not a change event
     */
    public static ChangeEvent decodeChange(String text) {
        JsonNode node = parse(text);
        String table = requiredText(node, "table");
        String id = requiredText(node, "id");
        ObjectNode item = item(node.get("item"), id);
        JsonNode deleted = node.get("deleted");
        JsonNode masterSeq = node.get("masterSeq");
        if (deleted == null || !deleted.isBoolean()) {
            throw new EventFormatException("Change event without a boolean deleted");
        }
        if (masterSeq == null || !masterSeq.canConvertToLong() || masterSeq.asLong() <= 0) {
            throw new EventFormatException("Change event without a positive masterSeq");
        }
        Optional<UUID> eventId = optionalText(node, "eventId").map(value -> uuid(value, "eventId"));
        Instant time = optionalText(node, "time").map(value -> instant(value, "time")).orElse(Instant.EPOCH);
        return new ChangeEvent(table, id, item, requiredText(node, "version"), deleted.asBoolean(),
                masterSeq.asLong(), eventId, time, optionalText(node, "owner"),
                optionalText(node, "clientUpdatedAt").map(value -> instant(value, "clientUpdatedAt")),
                optionalText(node, "originTime").map(value -> instant(value, "originTime")),
                optionalText(node, "origin"), previous(node.get("previous")));
    }

    /** A change's {@code previous}: absent when not said, null for the record's first change, else an object. */
    private static Optional<ChangeEvent.Previous> previous(JsonNode previous) {
        if (previous == null) {
            return Optional.empty();
        }
        if (previous.isNull()) {
            return Optional.of(ChangeEvent.Previous.none());
        }
        if (!previous.isObject()) {
            throw new EventFormatException("Change event whose previous is neither an object nor null");
        }
        return Optional.of(new ChangeEvent.Previous(true, (ObjectNode) previous));
    }

    // -------------------------------------------------------------------------------------------- conflict events

    /** The value of a conflict message. */
    public static String encodeConflict(ConflictEvent conflict) {
        ObjectNode node = JSON.createObjectNode();
        node.put("table", conflict.table());
        node.put("id", conflict.id());
        node.put("detectedAt", ProtocolDates.format(conflict.detectedAt()));
        node.put("kind", conflict.kind());
        node.put("policy", conflict.policy());
        node.put("decision", conflict.decision());
        node.put("loser", conflict.loser());
        node.set("event", cudNode(conflict.event()));
        node.set("master", conflict.master());
        node.set("result", conflict.result());
        node.put("masterSeq", conflict.masterSeq());
        return node.toString();
    }

    // --------------------------------------------------------------------------------------------------- heartbeats

    /** The value of a heartbeat message. */
    public static String encodeHeartbeat(Heartbeat heartbeat) {
        ObjectNode node = JSON.createObjectNode();
        node.put("central", heartbeat.central());
        node.put("time", ProtocolDates.format(heartbeat.time()));
        node.put("applying", heartbeat.applying());
        node.put("reason", heartbeat.reason().orElse(null));
        node.put("cudLag", heartbeat.cudLag());
        return node.toString();
    }

    /**
     * Reads a heartbeat.
     *
     * @throws EventFormatException when the text is not a heartbeat
     */
    public static Heartbeat decodeHeartbeat(String text) {
        JsonNode node = parse(text);
        JsonNode applying = node.get("applying");
        if (applying == null || !applying.isBoolean()) {
            throw new EventFormatException("Heartbeat without a boolean applying");
        }
        return new Heartbeat(requiredText(node, "central"), instant(requiredText(node, "time"), "time"),
                applying.asBoolean(), optionalText(node, "reason"), node.path("cudLag").asLong(0));
    }

    // ----------------------------------------------------------------------------------------------------- shared

    /** Parses a JSON object (user columns stored as JSONB, for instance) with the codec's number handling. */
    public static ObjectNode parseObject(String text) {
        JsonNode node = parse(text);
        if (!node.isObject()) {
            throw new EventFormatException("Not a JSON object");
        }
        return (ObjectNode) node;
    }

    private static JsonNode parse(String text) {
        if (text == null) {
            throw new EventFormatException("No value");
        }
        try {
            JsonNode node = JSON.readTree(text);
            if (node == null || !node.isObject()) {
                throw new EventFormatException("Not a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new EventFormatException("Not JSON: " + e.getOriginalMessage());
        }
    }

    private static ObjectNode item(JsonNode item, String recordId) {
        if (item == null || !item.isObject()) {
            throw new EventFormatException("Event without an item object");
        }
        if (!recordId.equals(item.path(Items.ID).asText(null))) {
            throw new EventFormatException("The item's id does not match the event's id");
        }
        requiredText(item, Items.VERSION);
        instant(requiredText(item, Items.CREATED_AT), "item.createdAt");
        instant(requiredText(item, Items.UPDATED_AT), "item.updatedAt");
        if (!item.path(Items.DELETED).isBoolean()) {
            throw new EventFormatException("Item without a boolean deleted");
        }
        return (ObjectNode) item;
    }

    private static String requiredText(JsonNode node, String member) {
        JsonNode value = node.get(member);
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            throw new EventFormatException("Missing or empty string member '" + member + "'");
        }
        return value.asText();
    }

    private static Optional<String> optionalText(JsonNode node, String member) {
        JsonNode value = node.get(member);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw new EventFormatException("Member '" + member + "' is not a string");
        }
        return Optional.of(value.asText());
    }

    private static UUID uuid(String value, String member) {
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            throw new EventFormatException("Member '" + member + "' is not a UUID");
        }
    }

    private static Instant instant(String value, String member) {
        try {
            return ProtocolDates.parse(value);
        } catch (DateTimeParseException e) {
            throw new EventFormatException("Member '" + member + "' is not an RFC 3339 timestamp");
        }
    }
}
