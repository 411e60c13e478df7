package io.edgesync.odata;

/** The type of a table column as the OData translator sees it. */
public enum ColumnType {
    STRING, NUMBER, BOOLEAN, DATETIME,
    /** A dynamic column whose values have all been null so far: typed by what it is compared with. */
    UNKNOWN;

    /** The name used in table metadata and configuration ({@code string}, {@code number}, ...). */
    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static ColumnType fromConfigName(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "string", "text" -> STRING;
            case "number", "numeric", "int", "integer", "long", "double", "decimal", "float" -> NUMBER;
            case "boolean", "bool" -> BOOLEAN;
            case "datetime", "date", "datetimeoffset", "timestamp" -> DATETIME;
            case "unknown" -> UNKNOWN;
            default -> throw new IllegalArgumentException("Unknown column type '" + name
                    + "': use string, number, boolean or datetime");
        };
    }
}
