package io.edgesync.cache;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.common.DomainException;
import io.edgesync.config.EdgeSyncConfig;

/**
 * Turns an item a device sent into the columns to store: system properties stripped, names mapped to the table's
 * canonical columns (case-insensitively), values checked against column types, new columns typed from their values.
 */
@ApplicationScoped
public class ItemValidator {

    /** Longest id the protocol allows (docs/protocol.md 2.1). */
    public static final int MAX_ID_LENGTH = 255;

    private final ObjectMapper json;
    private final int maxColumns;

    public ItemValidator(ObjectMapper json, EdgeSyncConfig config) {
        this.json = json;
        this.maxColumns = config.limits().maxColumns();
    }

    /**
     * An item ready to store.
     *
     * @param id the id in the body, if any
     * @param version the {@code version} member of the body, if any (a v2 PATCH precondition)
     * @param data user columns with canonical names
     * @param newColumns columns this item adds to the table, or whose unknown type it fixes
     */
    public record ValidItem(Optional<String> id, Optional<String> version, ObjectNode data,
            Map<String, ColumnType> newColumns) {
    }

    /** A client error in an item: the message is safe to show. */
    public static final class InvalidItemException extends DomainException {
        private static final long serialVersionUID = 1L;

        public InvalidItemException(String message) {
            super(Kind.INVALID, message);
        }
    }

    public ValidItem validateItem(TableInfo table, ObjectNode body) {
        if (body.size() > maxColumns + 5) {
            throw new InvalidItemException("The item has more than " + maxColumns + " columns");
        }
        Optional<String> id = Optional.empty();
        Optional<String> version = Optional.empty();
        ObjectNode data = json.createObjectNode();
        Map<String, ColumnType> newColumns = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = body.properties().iterator();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String name = field.getKey();
            JsonNode value = field.getValue();
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("id")) {
                id = Optional.ofNullable(idOf(value));
                continue;
            }
            if (lower.equals("version")) {
                if (value.isTextual() && !value.asText().isEmpty()) {
                    version = Optional.of(value.asText());
                }
                continue;
            }
            if (TableInfo.isSystemProperty(name)) {
                // createdAt, updatedAt, deleted: the server owns them; clients strip them too (docs/protocol.md 3.2).
                continue;
            }
            if (!TableCatalog.COLUMN_NAME.matcher(name).matches()) {
                throw new InvalidItemException("Invalid column name '" + abbreviate(name)
                        + "': letters, digits and _ only, starting with a letter or _, at most 128 characters");
            }
            if (!(value.isNull() || value.isTextual() || value.isNumber() || value.isBoolean())) {
                throw new InvalidItemException("Column '" + name
                        + "' has an object or array value; values must be strings, numbers, booleans or null");
            }
            Optional<String> canonical = table.canonicalColumn(name);
            if (canonical.isEmpty()) {
                if (!table.dynamicSchema()) {
                    continue;
                }
                if (table.privateColumns()) {
                    // The row's own column: the table does not learn of it (TableInfo.privateColumns)
                    data.set(name, value);
                    continue;
                }
                ColumnType type = typeOf(value);
                newColumns.put(name, type);
                data.set(name, value);
                continue;
            }
            String column = canonical.get();
            ColumnType type = table.columns().get(column);
            if (type == ColumnType.UNKNOWN && !value.isNull()) {
                newColumns.put(column, typeOf(value));
            }
            data.set(column, checked(column, type, value));
        }
        if (data.size() > maxColumns) {
            throw new InvalidItemException("The item has more than " + maxColumns + " columns");
        }
        long added = newColumns.keySet().stream().filter(c -> !table.columns().containsKey(c)).count();
        if (table.columns().size() + added > maxColumns) {
            throw new InvalidItemException("The table '" + table.displayName() + "' would have more than "
                    + maxColumns + " columns");
        }
        return new ValidItem(id, version, data, newColumns);
    }

    /** A new server-generated id: 32 hex characters, as the .NET servers generate. */
    public static String generateId() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    /**
     * Checks an id from a URL or a body (docs/protocol.md 2.1: 1-255 characters, no control or reserved characters).
     */
    public static void requireValidId(String id) {
        if (id == null || id.isBlank() || id.length() > MAX_ID_LENGTH || id.equals(".") || id.equals("..")) {
            throw new InvalidItemException("Invalid id: 1 to 255 characters, not blank, not '.' or '..'");
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (Character.isISOControl(c) || "\"+?\\/`".indexOf(c) >= 0) {
                throw new InvalidItemException("Invalid id: control characters and \" + ? \\ / ` are not allowed");
            }
        }
    }

    private static String idOf(JsonNode value) {
        if (value.isNull()) {
            return null;
        }
        if (value.isTextual()) {
            String id = value.asText();
            requireValidId(id);
            return id;
        }
        if (value.isIntegralNumber()) {
            // Numeric ids are stored as strings, as the Node reference server does (Q21).
            return value.asText();
        }
        throw new InvalidItemException("The id must be a string");
    }

    private static ColumnType typeOf(JsonNode value) {
        if (value.isTextual()) {
            return ColumnType.STRING;
        }
        if (value.isNumber()) {
            return ColumnType.NUMBER;
        }
        if (value.isBoolean()) {
            return ColumnType.BOOLEAN;
        }
        return ColumnType.UNKNOWN;
    }

    private JsonNode checked(String column, ColumnType type, JsonNode value) {
        if (value.isNull()) {
            return value;
        }
        return switch (type) {
            case UNKNOWN -> value;
            case STRING -> require(value.isTextual(), column, "a string", value);
            case NUMBER -> require(value.isNumber(), column, "a number", value);
            case BOOLEAN -> require(value.isBoolean(), column, "a boolean", value);
            case DATETIME -> json.getNodeFactory().textNode(normalizedDate(column, value));
        };
    }

    private static JsonNode require(boolean ok, String column, String expected, JsonNode value) {
        if (!ok) {
            throw new InvalidItemException("Column '" + column + "' expects " + expected);
        }
        return value;
    }

    private static String normalizedDate(String column, JsonNode value) {
        if (!value.isTextual()) {
            throw new InvalidItemException("Column '" + column + "' expects a date-time string");
        }
        try {
            Instant instant = ProtocolDates.parse(value.asText()).truncatedTo(ChronoUnit.MILLIS);
            return ProtocolDates.format(instant);
        } catch (DateTimeParseException e) {
            throw new InvalidItemException("Column '" + column + "' expects an ISO-8601 date-time");
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }
}
