package io.edgesync.events;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.ProtocolDates;

/**
 * The item of an event: a record as the table protocol shows it, its user columns plus the system properties
 * {@code id}, {@code createdAt}, {@code updatedAt}, {@code version} and {@code deleted}.
 */
public final class Items {

    public static final String ID = "id";
    public static final String CREATED_AT = "createdAt";
    public static final String UPDATED_AT = "updatedAt";
    public static final String VERSION = "version";
    public static final String DELETED = "deleted";

    private static final Set<String> SYSTEM_PROPERTIES = Set.of(ID, CREATED_AT, UPDATED_AT, VERSION, DELETED);

    private Items() {
    }

    /** The item of a record state: {@code id} first, then the user columns, then the other system properties. */
    public static ObjectNode item(String id, ObjectNode data, Instant createdAt, Instant updatedAt, String version,
            boolean deleted) {
        ObjectNode item = JsonNodeFactory.instance.objectNode();
        item.put(ID, id);
        data.properties().forEach(field -> {
            if (!SYSTEM_PROPERTIES.contains(field.getKey())) {
                item.set(field.getKey(), field.getValue());
            }
        });
        item.put(CREATED_AT, ProtocolDates.format(createdAt));
        item.put(UPDATED_AT, ProtocolDates.format(updatedAt));
        item.put(VERSION, version);
        item.put(DELETED, deleted);
        return item;
    }

    /** The user columns of an item. */
    public static ObjectNode userColumns(ObjectNode item) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        item.properties().forEach(field -> {
            if (!SYSTEM_PROPERTIES.contains(field.getKey())) {
                data.set(field.getKey(), field.getValue());
            }
        });
        return data;
    }

    /** A date property of an item, when present and valid. */
    public static Optional<Instant> instant(ObjectNode item, String property) {
        JsonNode value = item.get(property);
        if (value == null || !value.isTextual()) {
            return Optional.empty();
        }
        try {
            return Optional.of(ProtocolDates.parse(value.asText()));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
