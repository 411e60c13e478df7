package io.edgesync.central;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgesync.cache.TableInfo;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.odata.Expr;
import io.edgesync.odata.SqlParams;
import io.edgesync.odata.SqlTranslator;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;

/**
 * Central's master rows as edges read them to fill a cache: a table's rows in master-position order, after a position,
 * optionally only those matching a filter or belonging to some owners. A row changed while an edge pages moves to a
 * later position and is read again; one committed after the page with an earlier position reaches the edge through the
 * change stream, whose stale rule (a state with a later position wins) orders both.
 */
@ApplicationScoped
public class MasterRows {

    /** A master row as central holds it. */
    public record MasterRow(String id, Map<String, Object> data, String version, boolean deleted, Instant createdAt,
            Instant updatedAt, String owner, long position) {
    }

    /**
     * One page.
     *
     * @param rows the rows after the requested position, in position order
     * @param next the position to ask after for the next page; absent when this page was the last
     */
    public record Page(List<MasterRow> rows, Optional<Long> next) {
    }

    private static final TypeReference<Map<String, Object>> DATA = new TypeReference<>() {
    };

    private final Pool pool;
    private final ObjectMapper json;
    private final EdgeSyncConfig.Tables tables;

    public MasterRows(Pool pool, ObjectMapper json, EdgeSyncConfig config) {
        this.pool = pool;
        this.json = json;
        this.tables = config.tables();
    }

    /** The names of the tables central holds rows of, in name order. */
    public Uni<List<String>> tables() {
        return pool.query("SELECT name FROM central_table ORDER BY name").execute().map(rows -> {
            List<String> names = new ArrayList<>();
            rows.forEach(row -> names.add(row.getString(0)));
            return names;
        });
    }

    /**
     * Up to {@code limit} rows of {@code table} after {@code after}, matching {@code filter} when given and belonging
     * to one of {@code owners} when given.
     */
    public Uni<Page> page(String table, long after, int limit, Optional<Expr> filter, Optional<List<String>> owners) {
        SqlParams params = new SqlParams();
        StringBuilder where = new StringBuilder("r.table_name = ").append(params.add(TableInfo.key(table)))
                .append(" AND r.master_seq > ")
                .append(params.add(after));
        owners.ifPresent(list -> where.append(" AND r.owner_id = ANY(")
                .append(params.add(list.toArray(String[]::new)))
                .append(")"));
        filter.ifPresent(expr -> where.append(" AND (")
                .append(new SqlTranslator(TableInfo.asConfigured(table, tables.declaredTable(table)).resolver(), params)
                        .where(expr))
                .append(")"));
        String sql = """
                SELECT r.id, r.data::text AS data, r.version, r.deleted, r.created_at, r.updated_at, r.owner_id,
                       r.master_seq
                FROM central_record r
                WHERE %s
                ORDER BY r.master_seq
                LIMIT %s""".formatted(where, params.add(limit));
        return pool.preparedQuery(sql)
                .execute(io.vertx.mutiny.sqlclient.Tuple.from(params.values()))
                .map(rows -> {
                    List<MasterRow> page = new ArrayList<>();
                    for (Row row : rows) {
                        page.add(new MasterRow(row.getString("id"), readJson(row.getString("data")),
                                row.getString("version"), row.getBoolean("deleted"),
                                row.getOffsetDateTime("created_at").toInstant(),
                                row.getOffsetDateTime("updated_at").toInstant(), row.getString("owner_id"),
                                row.getLong("master_seq")));
                    }
                    Optional<Long> next = page.size() == limit
                            ? Optional.of(page.get(page.size() - 1).position())
                            : Optional.empty();
                    return new Page(page, next);
                });
    }

    private Map<String, Object> readJson(String text) {
        try {
            return json.readValue(text, DATA);
        } catch (IOException e) {
            throw new UncheckedIOException("A master row's data is not JSON", e);
        }
    }
}
