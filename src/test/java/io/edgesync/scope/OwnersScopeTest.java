package io.edgesync.scope;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgesync.events.CudEvent;
import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.OtherEdge;
import io.edgesync.testsupport.TestTokens;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.smallrye.mutiny.Uni;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An edge that holds the rows of the users who come to it ({@code edgesync.tables.declared.mine.edge-scope = owners} in
 * the test configuration, first pulls waiting at most 3 s): a user's first pull finds the rows they wrote elsewhere,
 * fetched from central; changes of users who never came are skipped; a user idle too long is evicted and gets the rows
 * back on return.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class OwnersScopeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TABLE = "mine";
    private static final Duration WITHIN = EdgeRows.WITHIN;

    @Inject
    EdgeUsers users;

    @Inject
    CentralSource central;

    @Inject
    MeterRegistry metrics;

    @AfterEach
    void centralAgain() {
        users.fetchFrom(central);
    }

    @Test
    void aRoamingUsersFirstPullFindsTheRowsTheyWroteElsewhereAndOnlyTheirs() throws Exception {
        // Given rows Bob and Carol wrote through other edges, known to central only
        String bob = "bob-" + UUID.randomUUID();
        String carol = "carol-" + UUID.randomUUID();
        List<String> bobs = List.of("b1-" + bob, "b2-" + bob, "b3-" + bob);
        for (String id : bobs) {
            insertAtCentral(id, bob, "v-" + id);
        }
        insertAtCentral("c1-" + carol, carol, "v-c1-" + carol);

        // When Bob pulls at this edge for the first time
        Response pull = pull(bob);

        // Then he gets his rows, fetched from central while his pull waited, and this edge holds none of Carol's
        assertThat(pull.statusCode()).as(pull.asString()).isEqualTo(200);
        assertThat(pull.jsonPath().getList("id", String.class)).containsExactlyInAnyOrderElementsOf(bobs);
        assertThat(here("c1-" + carol)).isEqualTo("absent");
        assertThat(users.holds(Optional.of(bob), WITHIN)).isTrue();
        assertThat(users.holds(Optional.of(carol), WITHIN)).isFalse();

        // When another edge changes one of Bob's rows and one of Carol's
        double skipped = outOfScope();
        OtherEdge.publish(update(bobs.get(0), bob, "v-" + bobs.get(0), "v2-" + bobs.get(0)));
        OtherEdge.publish(update("c1-" + carol, carol, "v-c1-" + carol, "v2-c1-" + carol));

        // Then Bob's change is applied here, Carol's skipped
        awaitHere(bobs.get(0), "live v2-" + bobs.get(0));
        Awaitility.await("Carol's change consumed").atMost(WITHIN).until(() -> outOfScope() > skipped);
        assertThat(here("c1-" + carol)).isEqualTo("absent");
    }

    @Test
    void aFirstPullThatCentralCannotServeInTimeAnswers503WithRetryAfterAndWritesNeverWait() throws Exception {
        // Given central answers this edge's fetches only with a failure after 5 s (as a call that times out)
        users.fetchFrom((table, after, limit, query) -> Uni.createFrom()
                .voidItem()
                .onItem()
                .delayIt()
                .by(Duration.ofSeconds(5))
                .chain(() -> Uni.createFrom().failure(new IllegalStateException("central did not answer in time"))));
        String dana = "dana-" + UUID.randomUUID();

        // When Dana writes, then pulls for the first time
        long started = System.nanoTime();
        given().header("ZUMO-API-VERSION", "2.0.0")
                .header("X-ZUMO-AUTH", TestTokens.token(dana))
                .contentType("application/json")
                .body("{\"id\":\"d1-" + dana + "\",\"text\":\"mine\"}")
                .post("/tables/" + TABLE)
                .then()
                .statusCode(201);
        long wrote = System.nanoTime();
        Response pull = pull(dana);
        long pulled = System.nanoTime();

        // Then the write did not wait, and the pull answered 503 with Retry-After after the configured 3 s
        assertThat(Duration.ofNanos(wrote - started)).isLessThan(Duration.ofSeconds(2));
        assertThat(pull.statusCode()).as(pull.asString()).isEqualTo(503);
        assertThat(pull.header("Retry-After")).isNotBlank();
        assertThat(Duration.ofNanos(pulled - wrote)).isBetween(Duration.ofMillis(2500), Duration.ofSeconds(10));

        // When central answers again
        users.fetchFrom(central);

        // Then her next pull gets her row
        Awaitility.await("Dana's pull served").atMost(WITHIN).untilAsserted(() -> {
            Response again = pull(dana);
            assertThat(again.statusCode()).isEqualTo(200);
            assertThat(again.jsonPath().getList("id", String.class)).containsExactly("d1-" + dana);
        });
    }

    @Test
    void aUserIdleTooLongIsEvictedHereOnlyAndGetsTheRowsBackOnReturn() throws Exception {
        // Given Erin's rows, pulled here
        String erin = "erin-" + UUID.randomUUID();
        String id = "e1-" + erin;
        insertAtCentral(id, erin, "v-" + id);
        assertThat(pull(erin).jsonPath().getList("id", String.class)).containsExactly(id);

        // When she has not been seen for longer than the idle days and the eviction runs
        sql("UPDATE edge_user SET last_seen = now() - interval '400 days' WHERE user_id = ?", erin);
        int evicted = users.evictIdle().await().atMost(WITHIN);

        // Then her rows are gone from this edge, not from central, and this edge no longer holds her
        assertThat(evicted).isGreaterThanOrEqualTo(1);
        assertThat(here(id)).isEqualTo("absent");
        assertThat(query("SELECT version FROM central_record WHERE table_name = ? AND id = ?", TABLE, id))
                .isEqualTo("v-" + id);
        assertThat(users.holds(Optional.of(erin), WITHIN)).isFalse();

        // When she comes back
        users.forgetFetched();
        Response back = pull(erin);

        // Then her rows are fetched again
        assertThat(back.statusCode()).as(back.asString()).isEqualTo(200);
        assertThat(back.jsonPath().getList("id", String.class)).containsExactly(id);
    }

    @Test
    void replicasReadOnlyTheUsersWhoseStateChangedAndLearnOfEachOthersArrivalsAndEvictions() throws Exception {
        // Given Frank, whose rows another replica of this edge fetched (it wrote him into the shared table)
        String frank = "frank-" + UUID.randomUUID();
        sql("INSERT INTO edge_user (user_id, filled_at) VALUES (?, now())", frank);

        // When this replica reads the table again
        users.refresh().await().atMost(WITHIN);

        // Then it holds him too
        assertThat(users.holds(Optional.of(frank), WITHIN)).isTrue();

        // When the users it read are old news (changed long before its last read) and it reads again
        sql("UPDATE edge_user SET changed_at = now() - interval '1 hour' WHERE NOT evicted");
        users.refresh().await().atMost(WITHIN);
        users.refresh().await().atMost(WITHIN);

        // Then that read returned none of them: only what changed since the read before
        assertThat(users.lastReadUsers()).isZero();

        // When the other replica evicts Frank, and this one reads again
        sql("UPDATE edge_user SET evicted = true, filled_at = NULL, changed_at = clock_timestamp() WHERE user_id = ?",
                frank);
        users.refresh().await().atMost(WITHIN);

        // Then that read returned him alone, and this replica no longer holds him
        assertThat(users.lastReadUsers()).isEqualTo(1);
        assertThat(users.holds(Optional.of(frank), WITHIN)).isFalse();

        // And his mark goes a day later, with the next eviction run
        sql("UPDATE edge_user SET changed_at = now() - interval '25 hours' WHERE user_id = ?", frank);
        users.evictIdle().await().atMost(WITHIN);
        assertThat(query("SELECT count(*) FROM edge_user WHERE user_id = ?", frank)).isEqualTo("0");
    }

    private static Response pull(String user) {
        return given().header("ZUMO-API-VERSION", "2.0.0")
                .header("X-ZUMO-AUTH", TestTokens.token(user))
                .get("/tables/" + TABLE);
    }

    private double outOfScope() {
        return EdgeRows.outOfScope(metrics);
    }

    private static CudEvent update(String id, String owner, String base, String version) {
        return EdgeRows.otherEdgeChange(TABLE, "update", id, JSON.createObjectNode().put("text", "changed elsewhere"),
                Optional.of(base), version, Optional.of(owner));
    }

    private static void insertAtCentral(String id, String owner, String version) throws Exception {
        EdgeRows.insertAtCentral(TABLE, id, JSON.createObjectNode().put("text", "written elsewhere"), version,
                Optional.of(owner));
    }

    private static void sql(String statement, String... params) throws Exception {
        EdgeRows.sql(statement, params);
    }

    private static void awaitHere(String id, String state) {
        EdgeRows.awaitHere(TABLE, id, state);
    }

    private static String here(String id) throws Exception {
        return EdgeRows.here(TABLE, id);
    }

    private static String query(String sql, String... params) throws Exception {
        return EdgeRows.query(sql, params);
    }
}
