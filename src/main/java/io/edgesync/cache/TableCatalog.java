package io.edgesync.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.odata.SqlParams;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The sync tables of this edge: declared ones from configuration, auto-created ones from the database. Table names
 * match case-insensitively. Metadata is cached; a miss or a stale column list reloads from the database.
 */
@ApplicationScoped
public class TableCatalog {

    /** Table names: safe in URLs, logs and metrics. */
    public static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]{0,127}");
    /** What a client is told when a table name does not match {@link #TABLE_NAME}. */
    public static final String INVALID_TABLE_NAME = "Invalid table name: a letter or '_', then letters, digits, '_'"
            + " or '-', at most 128 characters";
    /** Column names: SQL-identifier-like, as the reference servers require (Q7). */
    public static final Pattern COLUMN_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

    private static final String SELECT_TABLE = """
            SELECT name, display_name, soft_delete, dynamic_schema, declared, columns::text AS columns
            FROM sync_table WHERE name = $1""";

    private final Pool pool;
    private final ObjectMapper json;
    private final EdgeSyncConfig.Tables config;
    private final ConcurrentMap<String, TableInfo> tables = new ConcurrentHashMap<>();

    public TableCatalog(Pool pool, ObjectMapper json, EdgeSyncConfig config) {
        this.pool = pool;
        this.json = json;
        this.config = config.tables();
    }

    void declareConfiguredTables(@Observes StartupEvent event) {
        for (Map.Entry<String, EdgeSyncConfig.DeclaredTable> entry : config.declared().entrySet()) {
            String name = entry.getKey();
            if (!TABLE_NAME.matcher(name).matches()) {
                throw new IllegalStateException("edgesync.tables.declared: invalid table name '" + name + "'");
            }
            EdgeSyncConfig.DeclaredTable declared = entry.getValue();
            Map<String, ColumnType> columns = new LinkedHashMap<>();
            declared.columns().forEach((column, type) -> {
                if (!COLUMN_NAME.matcher(column).matches()) {
                    throw new IllegalStateException("edgesync.tables.declared." + name + ": invalid column '" + column
                            + "'");
                }
                columns.put(column, ColumnType.fromConfigName(type));
            });
            pool.preparedQuery("""
                    INSERT INTO sync_table (name, display_name, soft_delete, dynamic_schema, declared, columns)
                    VALUES ($1, $2, $3, $4, TRUE, $5::text::jsonb)
                    ON CONFLICT (name) DO UPDATE
                    SET soft_delete = EXCLUDED.soft_delete,
                        dynamic_schema = EXCLUDED.dynamic_schema,
                        declared = TRUE,
                        columns = sync_table.columns || EXCLUDED.columns""")
                    .execute(Tuple.of(TableInfo.key(name), name, declared.softDelete(), declared.dynamicSchema(),
                            columnsJson(columns)))
                    .await()
                    .atMost(Duration.ofSeconds(30));
            Log.infof("Declared table %s (soft delete %s, dynamic schema %s, %d columns)", name,
                    declared.softDelete(), declared.dynamicSchema(), columns.size());
        }
    }

    /** The names of every table the database holds, in order. */
    public Uni<List<String>> tableNames() {
        return pool.query("SELECT name FROM sync_table ORDER BY name").execute().map(rows -> {
            List<String> names = new ArrayList<>();
            rows.forEach(row -> names.add(row.getString("name")));
            return names;
        });
    }

    /**
     * The part of a purge statement that moves table {@code table}'s purge mark up to the highest change position of
     * the rows {@code purged} returns (their {@code updated_at}): a CTE named {@code name}, touching the table's row
     * only when something was purged.
     */
    public static String markPurgedCte(String name, String purged, String table) {
        return """
                %1$s AS (
                    UPDATE sync_table t
                    SET purged_through = GREATEST(t.purged_through, (SELECT es_stamp_of(max(updated_at)) FROM %2$s))
                    WHERE t.name = %3$s AND EXISTS (SELECT 1 FROM %2$s)
                    RETURNING t.name)""".formatted(name, purged, table);
    }

    /**
     * The table named {@code name} (any case): a known table, an empty not-yet-created one when auto-create is on, or
     * empty when the gateway does not serve it.
     */
    public Uni<Optional<TableInfo>> findTable(String name) {
        if (!TABLE_NAME.matcher(name).matches()) {
            return Uni.createFrom().item(Optional.empty());
        }
        TableInfo cached = tables.get(TableInfo.key(name));
        if (cached != null) {
            return Uni.createFrom().item(Optional.of(cached));
        }
        return reloadTable(name)
                .map(found -> found.or(() -> config.autoCreate()
                        ? Optional.of(TableInfo.notYetCreated(name))
                        : Optional.empty()));
    }

    /** Reads the table's metadata from the database (another instance may have added columns). */
    public Uni<Optional<TableInfo>> reloadTable(String name) {
        return pool.preparedQuery(SELECT_TABLE)
                .execute(Tuple.of(TableInfo.key(name)))
                .map(rows -> {
                    Iterator<Row> iterator = rows.iterator();
                    if (!iterator.hasNext()) {
                        return Optional.<TableInfo>empty();
                    }
                    TableInfo table = toTableInfo(iterator.next());
                    tables.put(table.name(), table);
                    return Optional.of(table);
                });
    }

    /** Creates an auto-created table on its first write (idempotent, safe under concurrent first writes). */
    public Uni<TableInfo> createTable(SqlClient client, TableInfo table) {
        if (table.persisted()) {
            return Uni.createFrom().item(table);
        }
        return client.preparedQuery("""
                INSERT INTO sync_table (name, display_name, soft_delete, dynamic_schema, declared)
                VALUES ($1, $2, TRUE, TRUE, FALSE)
                ON CONFLICT (name) DO NOTHING""")
                .execute(Tuple.of(table.name(), table.displayName()))
                .replaceWith(table.asPersisted());
    }

    /**
     * The part of a single write's statement that adds the columns bound as {@code columns} (JSON as
     * {@link #columnsJson}) to table {@code table} when {@code written} wrote a row: a CTE named {@code added_columns}.
     */
    public static String addWrittenColumnsCte(String written, String table, String columns) {
        return """
                added_columns AS (
                    UPDATE sync_table SET columns = columns || %1$s::text::jsonb
                    WHERE name = %2$s AND EXISTS (SELECT 1 FROM %3$s))""".formatted(columns, table, written);
    }

    /**
     * The part of a write statement that adds columns to dynamic tables: a CTE named {@code added_columns}; a table's
     * row is only touched (and locked until commit) when a write adds columns to it.
     *
     * @param added per table key, the columns as {@link #columnsJson}
     */
    public static String addColumnsCte(SqlParams params, Map<String, String> added) {
        return """
                added_columns AS (
                    UPDATE sync_table t SET columns = t.columns || c.columns::jsonb
                    FROM unnest(%s::text[], %s::text[]) AS c(name, columns)
                    WHERE t.name = c.name)""".formatted(params.add(added.keySet().toArray(String[]::new)),
                params.add(added.values().toArray(String[]::new)));
    }

    /** Remembers columns a committed write added. */
    public void rememberColumns(TableInfo table, Map<String, ColumnType> added) {
        tables.merge(table.name(), table.withColumns(added), (current, updated) -> current.withColumns(added));
    }

    /** The JSON stored in {@code sync_table.columns}. */
    public String columnsJson(Map<String, ColumnType> columns) {
        ObjectNode node = json.createObjectNode();
        columns.forEach((name, type) -> node.put(name, type.configName()));
        return node.toString();
    }

    private TableInfo toTableInfo(Row row) {
        Map<String, ColumnType> columns = new LinkedHashMap<>();
        try {
            JsonNode node = json.readTree(row.getString("columns"));
            node.properties()
                    .forEach(field -> columns.put(field.getKey(),
                            ColumnType.fromConfigName(field.getValue().asText())));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Corrupt column metadata of table " + row.getString("name"), e);
        }
        String name = row.getString("name");
        boolean dynamicSchema = row.getBoolean("dynamic_schema");
        Optional<EdgeSyncConfig.DeclaredTable> declared = config.declaredTable(name);
        boolean privateColumns = dynamicSchema && declared.map(EdgeSyncConfig.DeclaredTable::perUser).orElse(true);
        if (privateColumns) {
            // Columns writes added before columns became private stay in the rows that have them, not in the table.
            Set<String> declaredColumns = declared.map(table -> table.columns().keySet()).orElse(Set.of());
            columns.keySet().retainAll(declaredColumns);
        }
        return new TableInfo(name, row.getString("display_name"), row.getBoolean("soft_delete"), dynamicSchema,
                row.getBoolean("declared"), columns, true, privateColumns);
    }

}
