package io.edgesync.cache;

import java.util.Locale;

import io.edgesync.odata.ValueType;

/** The type of a table's column, as the table catalog keeps it (configuration, {@code sync_table.columns}). */
public enum ColumnType {
    STRING, NUMBER, BOOLEAN, DATETIME,
    /** A dynamic column whose values have all been null so far: typed by what it is compared with. */
    UNKNOWN;

    /** The name used in table metadata and configuration ({@code string}, {@code number}, ...). */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The type a configuration or the catalog names, with the synonyms clients' schemas use. */
    public static ColumnType fromConfigName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "string", "text" -> STRING;
            case "number", "numeric", "int", "integer", "long", "double", "decimal", "float" -> NUMBER;
            case "boolean", "bool" -> BOOLEAN;
            case "datetime", "date", "datetimeoffset", "timestamp" -> DATETIME;
            case "unknown" -> UNKNOWN;
            default -> throw new IllegalArgumentException("Unknown column type '" + name
                    + "': use string, number, boolean or datetime");
        };
    }

    /** How the OData translator treats the column's values. */
    public ValueType valueType() {
        return switch (this) {
            case STRING -> ValueType.STRING;
            case NUMBER -> ValueType.NUMBER;
            case BOOLEAN -> ValueType.BOOLEAN;
            case DATETIME -> ValueType.DATETIME;
            case UNKNOWN -> ValueType.UNKNOWN;
        };
    }
}
