package io.edgesync.scope;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.ChangeStreamApplier;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.config.OwnAddress;
import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.mutiny.Uni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A table's scope is filled from central's master rows (in this process, role {@code all}; and over central's HTTP API
 * for edges, as an edge of role {@code edge} reads them): only the rows of the scope, resumed after an interruption
 * where it stopped, nothing missing or applied twice; and the rows the edge held that the scope no longer holds are
 * swept out as local tombstones.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class ScopeBackfillTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TABLE = "regional";
    private static final Duration WITHIN = Duration.ofSeconds(60);

    @Inject
    ScopeBackfill backfill;

    @Inject
    ScopeStore store;

    @Inject
    EdgeScopes scopes;

    @Inject
    CentralSource central;

    @Inject
    ChangeStreamApplier applier;

    /** The fill of the table that the application starts with is over, so that the test's own runs are alone. */
    @BeforeEach
    void startFillDone() {
        Awaitility.await("the scope filled at start")
                .atMost(WITHIN)
                .until(() -> store.find(TABLE)
                        .await()
                        .atMost(WITHIN)
                        .map(ScopeStore.State::backfillDone)
                        .orElse(false));
    }

    @Test
    void aBackfillInterruptedHalfwayResumesWhereItStoppedAndEndsWithEveryRowOfTheScopeOnce() throws Exception {
        // Given master rows at central that this edge never received: four of the north, three of the south
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<String> north = new ArrayList<>();
        List<String> south = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            String id = "bf-" + run + "-" + i;
            (i % 2 == 0 ? north : south).add(id);
            insertAtCentral(id, i % 2 == 0 ? "north" : "south", "v-" + id);
        }
        long expected = Long.parseLong(query("SELECT count(*) FROM central_record WHERE table_name = ?"
                + " AND data->>'region' = 'north'", TABLE));
        EdgeScopes.Filter scope = (EdgeScopes.Filter) scopes.of(TABLE);
        store.restart(TABLE).await().atMost(WITHIN);

        // When a backfill in pages of 2 loses central after its first page
        AtomicInteger calls = new AtomicInteger();
        MasterRowsSource failingAfterOnePage = (table, after, limit, query) -> calls.incrementAndGet() == 1
                ? central.page(table, after, 2, query)
                : Uni.createFrom().failure(new IllegalStateException("central went away"));
        assertThatThrownBy(() -> backfill.attempt(TABLE, scope, failingAfterOnePage).await().atMost(WITHIN))
                .hasMessageContaining("central went away");

        // Then the first page is recorded, and the backfill is not done
        ScopeStore.State halfway = store.find(TABLE).await().atMost(WITHIN).orElseThrow();
        assertThat(halfway.swept()).isTrue();
        assertThat(halfway.backfillDone()).isFalse();
        assertThat(halfway.rowsApplied()).isEqualTo(2);
        assertThat(halfway.backfillAfter()).isPositive();

        // When it runs again with central back
        List<Long> asked = new ArrayList<>();
        MasterRowsSource recording = (table, after, limit, query) -> {
            asked.add(after);
            return central.page(table, after, 2, query);
        };
        backfill.attempt(TABLE, scope, recording).await().atMost(WITHIN);

        // Then it resumed after the recorded position, applied every north row once and is done
        assertThat(asked.get(0)).isEqualTo(halfway.backfillAfter());
        ScopeStore.State done = store.find(TABLE).await().atMost(WITHIN).orElseThrow();
        assertThat(done.backfillDone()).isTrue();
        assertThat(done.finishedAt()).isPresent();
        assertThat(done.rowsApplied()).isEqualTo(expected);
        // And this edge holds the north rows with central's versions, and none of the south
        for (String id : north) {
            assertThat(here(id)).isEqualTo("live v-" + id);
        }
        for (String id : south) {
            assertThat(here(id)).isEqualTo("absent");
        }

        // When it runs once more for the same scope
        asked.clear();
        backfill.fill(TABLE, scope, recording).await().atMost(WITHIN);

        // Then there is nothing to do
        assertThat(asked).isEmpty();
    }

    @Test
    void aBackfillHoldsOnePageAtATimeNotEveryPageItAppliedSoFar() throws Exception {
        // Given a source of 60 pages of 10 rows, which keeps only weak references to the rows it served
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<Long> positions = new ArrayList<>();
        for (String position : query("SELECT string_agg(nextval('central_master_seq')::text, ',')"
                + " FROM generate_series(1, 600)").split(",")) {
            positions.add(Long.parseLong(position));
        }
        positions.sort(null);
        List<WeakReference<Object>> served = new ArrayList<>();
        AtomicInteger pages = new AtomicInteger();
        AtomicInteger earlyPagesStillHeld = new AtomicInteger(-1);
        MasterRowsSource source = (table, after, limit, query) -> {
            int page = pages.getAndIncrement();
            if (page == 50) {
                // (what the backfill still holds of pages 0 to 39, applied long ago)
                System.gc();
                System.gc();
                earlyPagesStillHeld.set((int) served.subList(0, 400).stream().filter(r -> r.get() != null).count());
            }
            List<MasterRowsSource.MasterRow> rows = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                ObjectNode data = JSON.createObjectNode().put("region", "north").put("pad", "x".repeat(10_000));
                served.add(new WeakReference<>(data));
                Instant now = Instant.now();
                rows.add(new MasterRowsSource.MasterRow("mem-" + run + "-" + page + "-" + i, data, "v" + i, false,
                        now, now, Optional.empty(), positions.get(page * 10 + i)));
            }
            return Uni.createFrom()
                    .item(new MasterRowsSource.Page(rows, page < 59
                            ? Optional.of(positions.get(page * 10 + 9))
                            : Optional.empty()));
        };

        // When the backfill applies them all
        backfill.fetch(TABLE, MasterRowsSource.Query.everything(), source, 0, (last, count) -> Uni.createFrom()
                .voidItem()).await().atMost(WITHIN);

        // Then every row is here, and when it asked for page 51 it no longer held the rows of the first 40 pages
        assertThat(pages.get()).isEqualTo(60);
        assertThat(query("SELECT count(*) FROM sync_record WHERE table_name = ? AND id LIKE ?", TABLE,
                "mem-" + run + "-%")).isEqualTo("600");
        assertThat(earlyPagesStillHeld.get()).isZero();
    }

    @Test
    void rowsHeldBeforeTheScopeThatItNoLongerHoldsAreSweptOutAsLocalTombstones() throws Exception {
        // Given this edge holds a south row and a north row from before its scope (as under scope all)
        String run = UUID.randomUUID().toString().substring(0, 8);
        String south = "sw-s-" + run;
        String north = "sw-n-" + run;
        applier.applyReplicatedChanges(List.of(
                new ChangeStreamApplier.ReplicatedChange(TABLE, south, JSON.createObjectNode().put("region", "south"),
                        "v-" + south, false, 1, Optional.empty()),
                new ChangeStreamApplier.ReplicatedChange(TABLE, north, JSON.createObjectNode().put("region", "north"),
                        "v-" + north, false, 1, Optional.empty())))
                .await()
                .atMost(WITHIN);
        EdgeScopes.Filter scope = (EdgeScopes.Filter) scopes.of(TABLE);
        store.restart(TABLE).await().atMost(WITHIN);

        // When the scope is filled again
        backfill.fill(TABLE, scope, central).await().atMost(WITHIN);

        // Then the south row is a tombstone of its version here, the north one live
        assertThat(here(south)).isEqualTo("deleted v-" + south);
        assertThat(here(north)).isEqualTo("live v-" + north);
        assertThat(store.find(TABLE).await().atMost(WITHIN).orElseThrow().swept()).isTrue();
    }

    @Test
    void aTableWhoseScopeIsAllAgainAfterAFilterGetsEveryRowOfCentralBack() throws Exception {
        // Given a table this edge held a filter of before (its state says so) and central's rows of it, none held here
        String table = "was_scoped_" + UUID.randomUUID().toString().substring(0, 8);
        sql("INSERT INTO edge_scope (table_name, scope, swept, backfill_after, backfill_done) VALUES (?, ?, true, 0,"
                + " true)", table, "region eq 'north'");
        insertAtCentral(table, "a-" + table, "north", "v-a");
        insertAtCentral(table, "b-" + table, "south", "v-b");

        // When the edge looks for new scopes at start
        Map<String, EdgeScopes.Scope> fresh = backfill.newScopes().await().atMost(WITHIN);

        // Then the table is among them with scope all, and filling it brings every row of central
        assertThat(fresh.get(table)).isInstanceOf(EdgeScopes.All.class);
        backfill.fill(table, fresh.get(table), central).await().atMost(WITHIN);
        assertThat(query("SELECT string_agg(id || ' ' || version, ',' ORDER BY id) FROM sync_record"
                + " WHERE table_name = ? AND NOT deleted", table)).isEqualTo("a-" + table + " v-a,b-" + table + " v-b");
        assertThat(store.find(table).await().atMost(WITHIN).orElseThrow().scope()).isEqualTo("all");
        // And the next start finds nothing new for it
        assertThat(backfill.newScopes().await().atMost(WITHIN)).doesNotContainKey(table);
    }

    @Test
    void aTableWhoseScopeBecomesOwnersKeepsOnlyTheRowsOfUsersWhoCameAndOfNobody() throws Exception {
        // Given rows this edge held of table mine (scope owners) before: of a user who came here, of one who never
        // did, and of nobody
        String run = UUID.randomUUID().toString().substring(0, 8);
        String came = "came-" + run;
        String never = "never-" + run;
        sql("INSERT INTO edge_user (user_id) VALUES (?)", came);
        applier.applyReplicatedChanges(List.of(ownedBy("mine", "r-" + came, Optional.of(came)),
                ownedBy("mine", "r-" + never, Optional.of(never)), ownedBy("mine", "r-nobody-" + run,
                        Optional.empty())))
                .await()
                .atMost(WITHIN);
        store.restart("mine").await().atMost(WITHIN);

        // When its scope is filled again
        backfill.fill("mine", scopes.of("mine"), central).await().atMost(WITHIN);

        // Then the row of the user who never came is gone from this edge, the others stay
        assertThat(EdgeRows.here("mine", "r-" + never)).isEqualTo("absent");
        assertThat(EdgeRows.here("mine", "r-" + came)).isEqualTo("live v-r-" + came);
        assertThat(EdgeRows.here("mine", "r-nobody-" + run)).isEqualTo("live v-r-nobody-" + run);
        assertThat(store.find("mine").await().atMost(WITHIN).orElseThrow().swept()).isTrue();
    }

    private static ChangeStreamApplier.ReplicatedChange ownedBy(String table, String id, Optional<String> owner) {
        return new ChangeStreamApplier.ReplicatedChange(table, id, JSON.createObjectNode().put("text", id), "v-" + id,
                false, 1, owner);
    }

    @Test
    void centralsApiForEdgesOverHttpAnswersWhatTheEdgeFillsFrom() throws Exception {
        // Given an edge's client of central's API at this process's address, and a north and a south row at central
        String run = UUID.randomUUID().toString().substring(0, 8);
        insertAtCentral("http-n-" + run, "north", "v-n-" + run);
        insertAtCentral("http-s-" + run, "south", "v-s-" + run);
        EdgeSyncConfig settings = new SmallRyeConfigBuilder().withMapping(EdgeSyncConfig.class)
                .addDefaultSources()
                .withSources(new PropertiesConfigSource(Map.of("edgesync.role", "edge", "edgesync.edge.central.url",
                        OwnAddress.baseUrl() + "/"), "test", 500))
                .build()
                .getConfigMapping(EdgeSyncConfig.class);
        CentralRowsClient http = new CentralRowsClient(settings, JSON);

        // When it reads the tables and the north rows after the position before them, a row per page
        List<String> tables = http.tables().await().atMost(WITHIN);
        long before = Long.parseLong(query("SELECT master_seq - 1 FROM central_record WHERE id = ?", "http-n-" + run));
        MasterRowsSource.Page first = http.page(TABLE, before, 1, MasterRowsSource.Query.matching("region eq 'north'"))
                .await()
                .atMost(WITHIN);

        // Then it has the table, the north row with its columns, version and position, and no south row
        assertThat(tables).contains(TABLE);
        assertThat(first.rows()).hasSize(1);
        assertThat(first.rows().get(0).id()).isEqualTo("http-n-" + run);
        assertThat(first.rows().get(0).data().path("region").asText()).isEqualTo("north");
        assertThat(first.rows().get(0).version()).isEqualTo("v-n-" + run);
        assertThat(first.rows().get(0).position()).isEqualTo(before + 1);
        assertThat(first.next()).contains(before + 1);
        MasterRowsSource.Page rest = http.page(TABLE, before + 1, 100,
                MasterRowsSource.Query.matching("region eq 'north'")).await().atMost(WITHIN);
        assertThat(rest.rows()).extracting(MasterRowsSource.MasterRow::id).doesNotContain("http-s-" + run);
        assertThat(rest.next()).isEmpty();
    }

    private static void insertAtCentral(String id, String region, String version) throws Exception {
        insertAtCentral(TABLE, id, region, version);
    }

    private static void insertAtCentral(String table, String id, String region, String version) throws Exception {
        EdgeRows.insertAtCentral(table, id, JSON.createObjectNode().put("region", region), version, Optional.empty());
    }

    private static void sql(String statement, String... params) throws Exception {
        EdgeRows.sql(statement, params);
    }

    private static String here(String id) throws Exception {
        return EdgeRows.here(TABLE, id);
    }

    private static String query(String sql, String... params) throws Exception {
        return EdgeRows.query(sql, params);
    }
}
