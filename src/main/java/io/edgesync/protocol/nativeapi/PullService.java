package io.edgesync.protocol.nativeapi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.RecordStore;
import io.edgesync.cache.RowScope;
import io.edgesync.cache.StoredRecord;
import io.edgesync.cache.TableCatalog;
import io.edgesync.cache.TableInfo;
import io.edgesync.cache.VisibilityHorizon;
import io.edgesync.common.DomainException;
import io.edgesync.common.Meters;
import io.edgesync.device.DeviceIds;
import io.edgesync.device.DeviceQueue;
import io.edgesync.odata.SqlParams;
import io.edgesync.protocol.zumo.ItemWriter;
import io.edgesync.scope.EdgeUsers;
import io.edgesync.security.Caller;
import io.edgesync.security.TableAccess;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Native pull: the changes of a table after an opaque token, in the table's change order, up to the table's visibility
 * horizon (ADR 0003): every change at or below it is settled, so a token never skips a committed change and never
 * repeats one. The first pull (no token) is an initial sync: live rows only, plus tombstones of deletes that happen
 * while it runs.
 */
@ApplicationScoped
public class PullService {

    /** Rows per page unless the device asks for another size. */
    public static final int DEFAULT_LIMIT = 500;
    /** Largest page: an initial sync of a big table streams in pages this size. */
    public static final int MAX_LIMIT = 10_000;

    private final Pool pool;
    private final TableCatalog catalog;
    private final DeviceQueue devices;
    private final ItemWriter writer;
    private final ObjectMapper json;
    private final MeterRegistry metrics;
    private final TableAccess tableAccess;
    private final VisibilityHorizon horizon;
    private final EdgeUsers users;

    public PullService(Pool pool, TableCatalog catalog, DeviceQueue devices, ItemWriter writer, ObjectMapper json,
            MeterRegistry metrics, TableAccess tableAccess, VisibilityHorizon horizon, EdgeUsers users) {
        this.pool = pool;
        this.users = users;
        this.horizon = horizon;
        this.catalog = catalog;
        this.devices = devices;
        this.writer = writer;
        this.json = json;
        this.metrics = metrics;
        this.tableAccess = tableAccess;
    }

    /**
     * A pull position: the last change delivered, and during an initial sync the table's position when it started
     * (tombstones at or below it are of rows the device never had).
     */
    record Token(String table, long position, long initialUntil) {

        /**
         * Whether a position of this token is a change counter of ADR 0001, issued before V103: every stamp is at least
         * the wall-clock millisecond of its draw, so a position below 10^11 (early 1973) cannot be one.
         */
        boolean fromBeforeStamps() {
            return isCounter(position) || isCounter(initialUntil);
        }

        private static boolean isCounter(long position) {
            return position > 0 && position < FIRST_POSSIBLE_STAMP;
        }
    }

    /** No stamp is lower: it would be a millisecond of early 1973. */
    static final long FIRST_POSSIBLE_STAMP = 100_000_000_000L;

    /** The device must start over: its token is older than the tombstones kept. */
    public static final class ResyncRequiredException extends DomainException {
        private static final long serialVersionUID = 1L;

        ResyncRequiredException(String message) {
            super(Kind.EXPIRED, message);
        }

        @Override
        public String problemType() {
            return "urn:edgesync:problem:resync-required";
        }
    }

    public Uni<ObjectNode> pullChanges(String deviceId, String tableName, Optional<String> token, int limit,
            String queryId, Caller caller) {
        if (!DeviceIds.isValid(deviceId)) {
            throw DomainException.invalid("Invalid device id: 1 to 128 characters, letters, digits and . _ : -");
        }
        if (tableName == null || !TableCatalog.TABLE_NAME.matcher(tableName).matches()) {
            throw DomainException.invalid("Give the table to pull: ?table=<name>");
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw DomainException.invalid("limit must be between 1 and " + MAX_LIMIT);
        }
        Optional<Token> given = token.filter(t -> !t.isEmpty()).map(this::decode);
        given.filter(t -> !t.table().equals(TableInfo.key(tableName))).ifPresent(t -> {
            throw DomainException.invalid("The token belongs to another table");
        });
        return catalog.findTable(tableName)
                .chain(found -> {
                    TableInfo table = found.orElseThrow(
                            () -> DomainException.notFound("The table '" + tableName + "' does not exist"));
                    TableAccess.Access access = tableAccess.authorize(caller, table, false);
                    return users.beforePull(table.name(), caller.subject())
                            .chain(() -> devices.touchDevice(deviceId, "native", null, caller.subject()))
                            .chain(() -> table.persisted()
                                    ? horizon.forPull(table.name()).map(Optional::of)
                                    : Uni.createFrom().item(Optional.<VisibilityHorizon.Visible>empty()))
                            .chain(visible -> {
                                if (given.isPresent() && visible.isPresent()
                                        && given.get().position() >= visible.get().latestStamp()) {
                                    // Up to date: the newest visible change, and every purged tombstone, is at or
                                    // before the token. The horizon answers without the database.
                                    return Uni.createFrom().item(pageOf(table, given.get(), List.of(), false));
                                }
                                long visibleUpTo = visible.map(VisibilityHorizon.Visible::horizon).orElse(0L);
                                Token start = given.orElseGet(() -> new Token(table.name(), 0L, visibleUpTo));
                                return inStamps(table, start).chain(from -> purgedThrough(table).chain(purged -> {
                                    boolean initialCovers = from.initialUntil() >= purged;
                                    if (from.position() < purged && !initialCovers) {
                                        throw new ResyncRequiredException("Full resync required: deletes older than"
                                                + " this token were purged; pull again without a token and replace"
                                                + " the local table");
                                    }
                                    return page(table, from, visibleUpTo, limit, access.scope());
                                }));
                            });
                })
                .call(page -> devices.recordPull(deviceId, TableInfo.key(tableName), queryId, null, page.position,
                        page.rows))
                .map(page -> page.body);
    }

    private record PageResult(ObjectNode body, long position, int rows) {
    }

    /** The change position up to which the table's tombstones were purged. */
    private Uni<Long> purgedThrough(TableInfo table) {
        if (!table.persisted()) {
            return Uni.createFrom().item(0L);
        }
        return pool.preparedQuery("SELECT purged_through FROM sync_table WHERE name = $1")
                .execute(Tuple.of(table.name()))
                .map(rows -> rows.iterator().hasNext() ? rows.iterator().next().getLong(0) : 0L);
    }

    /**
     * The token with positions in stamps: a token issued before V103 holds change counters, which stand for the newest
     * {@code updatedAt} of the rows at or below them (counters and {@code updatedAt} rose together then).
     */
    private Uni<Token> inStamps(TableInfo table, Token token) {
        if (!token.fromBeforeStamps() || !table.persisted()) {
            return Uni.createFrom().item(token);
        }
        return pool.preparedQuery("SELECT es_position_as_stamp($1, $2), es_position_as_stamp($1, $3)")
                .execute(Tuple.of(table.name(), token.position(), token.initialUntil()))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new Token(token.table(), row.getLong(0), row.getLong(1));
                });
    }

    /** The changes after the token's position, up to the horizon, in change order. */
    private Uni<PageResult> page(TableInfo table, Token from, long visibleUpTo, int limit, RowScope scope) {
        RecordStore.Statement query = pageStatement(table.name(), from.position(), visibleUpTo, from.initialUntil(),
                limit + 1, scope);
        Uni<List<StoredRecord>> rows = !table.persisted()
                ? Uni.createFrom().item(List.of())
                : pool.preparedQuery(query.sql())
                        .execute(query.params())
                        .map(this::toRecords);
        return rows.map(records -> {
            boolean hasMore = records.size() > limit;
            return pageOf(table, from, hasMore ? records.subList(0, limit) : records, hasMore);
        });
    }

    /**
     * A native page's query: up to {@code rows} changes of {@code table} the caller may read, with positions in
     * {@code (after, upTo]}, in change order; tombstones only above {@code initialUntil}. A change's position is its
     * stamp, so the range is one on {@code updated_at}, served by the table's {@code updated_at} index (with or without
     * the row's owner).
     */
    public static RecordStore.Statement pageStatement(String table, long after, long upTo, long initialUntil, int rows,
            RowScope scope) {
        SqlParams params = new SqlParams();
        String sql = "SELECT " + RecordStore.SELECT_COLUMNS + " FROM sync_record r WHERE r.table_name = "
                + params.add(table) + " AND r.updated_at > es_stamp_time(" + params.add(after)
                + ") AND r.updated_at <= es_stamp_time(" + params.add(upTo)
                + ") AND (NOT r.deleted OR r.updated_at > es_stamp_time(" + params.add(initialUntil) + "))"
                + " AND " + scope.condition("r.owner_id", params) + " ORDER BY r.updated_at LIMIT "
                + params.add((long) rows);
        return new RecordStore.Statement(sql, Tuple.tuple(params.values()));
    }

    /** A page's answer: the changes, and the token after the last of them. */
    private PageResult pageOf(TableInfo table, Token from, List<StoredRecord> pageRecords, boolean hasMore) {
        long position = pageRecords.isEmpty()
                ? from.position()
                : pageRecords.get(pageRecords.size() - 1).changeSeq();
        long initialUntil = position >= from.initialUntil() ? -1 : from.initialUntil();
        ArrayNode changes = json.createArrayNode();
        for (StoredRecord record : pageRecords) {
            changes.add(writer.writeItem(table, record));
        }
        ObjectNode body = json.createObjectNode();
        body.put("table", table.displayName());
        body.set("changes", changes);
        body.put("token", encode(new Token(table.name(), position, initialUntil)));
        body.put("hasMore", hasMore);
        Meters.counter(metrics, "edgesync.pull.rows", "table", table.name(), "protocol", "native")
                .increment(pageRecords.size());
        Meters.counter(metrics, "edgesync.pulls", "table", table.name(), "protocol", "native").increment();
        return new PageResult(body, position, pageRecords.size());
    }

    private List<StoredRecord> toRecords(Iterable<Row> rows) {
        List<StoredRecord> records = new ArrayList<>();
        for (Row row : rows) {
            records.add(RecordStore.toStoredRecord(row, json));
        }
        return records;
    }

    String encode(Token token) {
        ObjectNode node = json.createObjectNode()
                .put("v", 1)
                .put("t", token.table())
                .put("p", token.position())
                .put("i", token.initialUntil());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(node.toString().getBytes(StandardCharsets.UTF_8));
    }

    Token decode(String token) {
        try {
            JsonNode node = json.readTree(Base64.getUrlDecoder().decode(token));
            if (node == null || node.path("v").asInt() != 1 || !node.path("t").isTextual()
                    || !node.path("p").canConvertToLong() || !node.path("i").canConvertToLong()) {
                throw DomainException.invalid("Invalid token");
            }
            return new Token(node.path("t").asText(), node.path("p").asLong(), node.path("i").asLong());
        } catch (IllegalArgumentException | IOException e) {
            throw DomainException.invalid("Invalid token");
        }
    }
}
