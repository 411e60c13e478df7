package io.edgesync.odata;

/**
 * The type of a value as the OData translator sees it: of a column (the caller's {@link ColumnResolver} says which), a
 * literal or a function's result.
 */
public enum ValueType {
    STRING, NUMBER, BOOLEAN, DATETIME,
    /** A column whose values have all been null so far: typed by what it is compared with. */
    UNKNOWN
}
