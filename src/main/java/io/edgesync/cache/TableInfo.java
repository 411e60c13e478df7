package io.edgesync.cache;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.odata.ColumnResolver;
import io.edgesync.odata.ResolvedColumn;
import io.edgesync.odata.ValueType;

/**
 * What the gateway knows about one sync table.
 *
 * @param name lower-case key (table names match case-insensitively)
 * @param displayName the name as declared or first written
 * @param softDelete whether deletes are visible tombstones that can be undeleted
 * @param dynamicSchema whether unknown columns in writes are added (otherwise dropped)
 * @param declared whether configuration declares it
 * @param columns user columns, canonical name to type
 * @param persisted whether the table exists in the database (an auto-created table does only after its first write)
 * @param privateColumns rows belong to users and the schema is dynamic: a column not declared belongs to the rows that
 *     have it, not to the table. Writes store it without adding it to the table (no user fixes its type, fills the
 *     table's column budget or shows its name to another), queries accept any column name (a row without it has null),
 *     and {@code columns} holds the declared columns only.
 */
public record TableInfo(String name, String displayName, boolean softDelete, boolean dynamicSchema, boolean declared,
        Map<String, ColumnType> columns, boolean persisted, boolean privateColumns) {

    /** System properties, in output order, as the protocol names them. */
    public static final String ID = "id";
    public static final String CREATED_AT = "createdAt";
    public static final String UPDATED_AT = "updatedAt";
    public static final String VERSION = "version";
    public static final String DELETED = "deleted";

    private static final Map<String, ResolvedColumn> SYSTEM_COLUMNS = Map.of(
            "id", ResolvedColumn.system(ID, ValueType.STRING, "r.id"),
            "createdat", ResolvedColumn.system(CREATED_AT, ValueType.DATETIME, "r.created_at"),
            "updatedat", ResolvedColumn.system(UPDATED_AT, ValueType.DATETIME, "r.updated_at"),
            "version", ResolvedColumn.system(VERSION, ValueType.STRING, "r.version"),
            "deleted", ResolvedColumn.system(DELETED, ValueType.BOOLEAN, "r.deleted"));

    public TableInfo {
        columns = Collections.unmodifiableMap(new LinkedHashMap<>(columns));
    }

    /**
     * An auto-created table before its first write: soft delete on, dynamic schema, no columns yet, rows per user (an
     * undeclared table's default), so its columns are private.
     */
    public static TableInfo notYetCreated(String requestedName) {
        return new TableInfo(key(requestedName), requestedName, true, true, false, Map.of(), false, true);
    }

    /**
     * A table as its configuration describes it, without reading the database: its declared columns, any other column
     * typed by what it is compared with (for a filter that must mean the same everywhere the table lives).
     */
    public static TableInfo asConfigured(String table, Optional<EdgeSyncConfig.DeclaredTable> declaration) {
        Map<String, ColumnType> columns = new LinkedHashMap<>();
        declaration.ifPresent(declared -> declared.columns()
                .forEach((column, type) -> columns.put(column, ColumnType.fromConfigName(type))));
        return new TableInfo(key(table), table, true, true, !columns.isEmpty(), columns, true, true);
    }

    /** The lookup key of a table name. */
    public static String key(String tableName) {
        return tableName.toLowerCase(Locale.ROOT);
    }

    public static boolean isSystemProperty(String member) {
        return SYSTEM_COLUMNS.containsKey(member.toLowerCase(Locale.ROOT));
    }

    /** The canonical name of a user column, matched case-insensitively. */
    public Optional<String> canonicalColumn(String member) {
        if (columns.containsKey(member)) {
            return Optional.of(member);
        }
        for (String column : columns.keySet()) {
            if (column.equalsIgnoreCase(member)) {
                return Optional.of(column);
            }
        }
        return Optional.empty();
    }

    /** Resolves OData members: system properties first, then user columns, case-insensitively. */
    public ColumnResolver resolver() {
        return member -> {
            ResolvedColumn system = SYSTEM_COLUMNS.get(member.toLowerCase(Locale.ROOT));
            if (system != null) {
                return Optional.of(system);
            }
            Optional<ResolvedColumn> known = canonicalColumn(member)
                    .map(column -> ResolvedColumn.user(column, columns.get(column).valueType()));
            if (known.isEmpty() && privateColumns && TableCatalog.COLUMN_NAME.matcher(member).matches()) {
                // Some rows may have it: typed by what it is compared with; rows without it have null
                return Optional.of(ResolvedColumn.user(member, ValueType.UNKNOWN));
            }
            return known;
        };
    }

    /** This table with more columns (new ones, or unknown ones that now have a type). */
    public TableInfo withColumns(Map<String, ColumnType> changes) {
        Map<String, ColumnType> merged = new LinkedHashMap<>(columns);
        merged.putAll(changes);
        return new TableInfo(name, displayName, softDelete, dynamicSchema, declared, merged, true, privateColumns);
    }

    public TableInfo asPersisted() {
        return new TableInfo(name, displayName, softDelete, dynamicSchema, declared, columns, true, privateColumns);
    }
}
