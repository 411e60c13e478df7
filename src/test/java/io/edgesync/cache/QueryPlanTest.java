package io.edgesync.cache;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgesync.notify.ChangeListener;
import io.edgesync.odata.Expr;
import io.edgesync.odata.ODataLimits;
import io.edgesync.odata.ODataParser;
import io.edgesync.odata.OrderBy;
import io.edgesync.protocol.nativeapi.PullService;
import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.TestInfrastructure;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The queries idle and syncing devices send most stay index lookups on a table of a million rows: checked on the
 * executed plan (rows the scan touched), not with timings.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueryPlanTest {

    private static final String TABLE = "plan_million";
    private static final int ROWS = 1_000_000;
    private static final Instant FIRST = Instant.parse("2024-01-01T00:00:00Z");
    /** The stamp of the newest row: everything is visible. */
    private static final long HORIZON = FIRST.toEpochMilli() + ROWS;

    @Inject
    TableCatalog catalog;

    @Inject
    RecordStore store;

    @Inject
    Pool pool;

    @Inject
    ObjectMapper json;

    private TableInfo table;

    @BeforeAll
    void fillAMillionRows() throws Exception {
        try (Connection connection = TestInfrastructure.connect(InfrastructureResource.DATABASE);
                Statement sql = connection.createStatement()) {
            sql.execute("DELETE FROM sync_record WHERE table_name = '" + TABLE + "'");
            sql.execute("DELETE FROM sync_table WHERE name = '" + TABLE + "'");
            sql.execute("INSERT INTO sync_table (name, display_name, columns) VALUES ('" + TABLE + "', '" + TABLE
                    + "', '{\"text\": \"string\", \"complete\": \"boolean\"}')");
            // Every tenth row is a tombstone, as in a table that has seen deletes.
            sql.execute("INSERT INTO sync_record (table_name, id, data, created_at, updated_at, version, deleted,"
                    + " change_seq) SELECT '" + TABLE + "', md5(g::text), jsonb_build_object('text', 'row ' || g,"
                    + " 'complete', g % 2 = 0), TIMESTAMPTZ '" + FIRST + "' + g * INTERVAL '1 millisecond',"
                    + " TIMESTAMPTZ '" + FIRST + "' + g * INTERVAL '1 millisecond', md5(g::text), g % 10 = 0,"
                    + " " + FIRST.toEpochMilli() + " + g FROM generate_series(1, " + ROWS + ") AS g");
            // The table's clock has handed out the stamps of these rows (ADR 0003).
            sql.execute("SELECT setval(es_clock('" + TABLE + "'), " + HORIZON + ")");
            sql.execute("ANALYZE sync_record");
        }
        table = catalog.reloadTable(TABLE).await().atMost(Duration.ofSeconds(10)).orElseThrow();
    }

    @Test
    void noChangeIncrementalPullReadsOnlyTheRowAtTheWatermark() {
        // Given a table of a million rows and the JS client's pull when nothing changed: the watermark is the newest
        // row
        String watermark = FIRST.plusMillis(ROWS).toString();
        // When the pull asks for a page of 51 from it, ordered by updatedAt, deleted rows included
        Plan plan = explain(filter("(updatedAt ge datetimeoffset'" + watermark + "')"), orderBy("updatedAt"), true,
                0, 51);

        // Then there is no sequential scan, no plan node produces more than 2 rows, and one row comes back
        assertThat(plan.seqScans()).as("sequential scans").isZero();
        assertThat(plan.maxRowsTouched()).as("rows any plan node produced").isLessThanOrEqualTo(2);
        assertThat(plan.returned()).isEqualTo(1);
    }

    @Test
    void pageOfFiftyChangesReadsAboutFiftyRows() {
        // Given a watermark halfway through the million rows
        String watermark = FIRST.plusMillis(ROWS / 2).toString();
        // When a pull asks for a page of 51 changes from it, ordered by updatedAt
        Plan plan = explain(filter("(updatedAt ge datetimeoffset'" + watermark + "')"), orderBy("updatedAt"), true,
                0, 51);

        // Then there is no sequential scan, no plan node produces more than 60 rows, and a full page comes back
        assertThat(plan.seqScans()).isZero();
        assertThat(plan.maxRowsTouched()).isLessThanOrEqualTo(60);
        assertThat(plan.returned()).isEqualTo(51);
    }

    @Test
    void datasyncDeltaPullWithGtReadsAboutAPage() {
        // Given a watermark 120 rows before the newest
        String watermark = FIRST.plusMillis(ROWS - 120).toString();
        // When a Datasync delta pull asks with gt for a page of 101 after it, ordered by updatedAt
        Plan plan = explain(filter("(updatedAt gt cast(" + watermark + ",Edm.DateTimeOffset))"),
                orderBy("updatedAt"), true, 0, 101);

        // Then there is no sequential scan and no plan node produces more than 120 rows
        assertThat(plan.seqScans()).isZero();
        assertThat(plan.maxRowsTouched()).isLessThanOrEqualTo(120);
    }

    @Test
    void defaultPageOrderedByIdReadsAboutAPage() {
        // When a default page of 51 is asked for: no filter, no order given (so by id), deleted rows left out
        Plan plan = explain(RowScope.EVERYONE, Optional.empty(), List.of(), false, 0, 51);

        // Then there is no sequential scan
        assertThat(plan.seqScans()).isZero();
        // And no plan node produces more than 100 rows: tombstones are skipped while walking the primary key, a few
        // more than a page
        assertThat(plan.maxRowsTouched()).isLessThanOrEqualTo(100);
        // And a full page comes back
        assertThat(plan.returned()).isEqualTo(51);
    }

    @Test
    void perUserIncrementalPullStaysAnIndexLookup() {
        // Given one owner's pull from a watermark halfway through (on a per-user table every query also names the
        // owner: the (table, owner, updatedAt) index serves it)
        String watermark = FIRST.plusMillis(ROWS / 2).toString();
        // When it asks for a page of 51, ordered by updatedAt
        Plan plan = explain(RowScope.owner("some-user"), filter("(updatedAt ge datetimeoffset'" + watermark + "')"),
                orderBy("updatedAt"), true, 0, 51);

        // Then it stays an index lookup: no sequential scan, no plan node producing more than 60 rows
        assertThat(plan.seqScans()).isZero();
        assertThat(plan.maxRowsTouched()).isLessThanOrEqualTo(60);
    }

    @Test
    void nativePullFromATokenReadsAboutAPage() {
        // Given a native device whose token is halfway through the table
        long token = HORIZON - ROWS / 2;
        // When it pulls a page of 500 (501 asked for, to know whether there are more)
        Plan plan = explain(PullService.pageStatement(TABLE, token, HORIZON, -1, 501, RowScope.EVERYONE));

        // Then it reads that page from the updatedAt index: a change's position is its stamp
        assertThat(plan.seqScans()).isZero();
        assertThat(plan.returned()).isEqualTo(501);
        assertThat(plan.maxRowsTouched()).isLessThanOrEqualTo(510);
    }

    @Test
    void perUserNativePullStaysAnIndexLookup() {
        // Given one owner's native pull from a token halfway through
        long token = HORIZON - ROWS / 2;
        // When it pulls a page of 500
        Plan plan = explain(PullService.pageStatement(TABLE, token, HORIZON, -1, 501, RowScope.owner("some-user")));

        // Then the (table, owner, updatedAt) index serves it
        assertThat(plan.seqScans()).isZero();
        assertThat(plan.maxRowsTouched()).isLessThanOrEqualTo(510);
    }

    @Test
    void theHorizonFindsTheNewestVisibleChangeInOneIndexStep() {
        // When the horizon looks up the newest change at or below a horizon a hundred changes before the end
        Plan plan = explain(new RecordStore.Statement(VisibilityHorizon.READ_LATEST,
                Tuple.of(new String[]{TABLE}, new Long[]{HORIZON - 100})));

        // Then it reads that one row
        assertThat(plan.seqScans()).isZero();
        assertThat(plan.maxRowsTouched()).isLessThanOrEqualTo(1);
    }

    @Test
    void changeNotificationsReadOnlyTheChangesOfTheAdvance() {
        // When the owners of the changes of an advance by a hundred stamps are looked up
        Plan plan = explain(new RecordStore.Statement(ChangeListener.OWNERS_OF_CHANGES,
                Tuple.of(TABLE, HORIZON - 100, HORIZON)));

        // Then only those changes are read
        assertThat(plan.seqScans()).isZero();
        assertThat(plan.maxRowsTouched()).isLessThanOrEqualTo(100);
    }

    private Optional<Expr> filter(String text) {
        return Optional.of(ODataParser.parseFilter(text, ODataLimits.defaults()));
    }

    private List<OrderBy> orderBy(String text) {
        return ODataParser.parseOrderBy(text, ODataLimits.defaults());
    }

    /** What an executed plan did. */
    record Plan(int seqScans, long maxRowsTouched, long returned) {
    }

    private Plan explain(Optional<Expr> filter, List<OrderBy> orderBy, boolean includeDeleted, long skip, int rows) {
        return explain(RowScope.EVERYONE, filter, orderBy, includeDeleted, skip, rows);
    }

    private Plan explain(RowScope owner, Optional<Expr> filter, List<OrderBy> orderBy,
            boolean includeDeleted, long skip, int rows) {
        // Pulls (ordered by updatedAt) read below the table's visibility horizon, as the table endpoints do.
        OptionalLong horizon = orderBy.isEmpty() ? OptionalLong.empty() : OptionalLong.of(HORIZON);
        return explain(store.queryStatement(table, owner, horizon, filter, orderBy, includeDeleted, skip, rows));
    }

    private Plan explain(RecordStore.Statement statement) {
        Row row = pool.preparedQuery("EXPLAIN (ANALYZE, FORMAT JSON) " + statement.sql())
                .execute(statement.params())
                .await()
                .atMost(Duration.ofSeconds(30))
                .iterator()
                .next();
        JsonNode plan = json.valueToTree(row.getValue(0)).get(0).get("Plan");
        List<JsonNode> nodes = new ArrayList<>();
        collect(plan, nodes);
        int seqScans = (int) nodes.stream().filter(n -> n.path("Node Type").asText().equals("Seq Scan")).count();
        long maxRows = nodes.stream().mapToLong(n -> n.path("Actual Rows").asLong()).max().orElse(0);
        return new Plan(seqScans, maxRows, plan.path("Actual Rows").asLong());
    }

    private static void collect(JsonNode node, List<JsonNode> nodes) {
        nodes.add(node);
        node.path("Plans").forEach(child -> collect(child, nodes));
    }
}
