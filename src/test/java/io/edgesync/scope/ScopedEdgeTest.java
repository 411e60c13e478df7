package io.edgesync.scope;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgesync.events.CudEvent;
import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.OtherEdge;
import io.edgesync.testsupport.TestInfrastructure;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An edge that holds one region of a table ({@code edgesync.tables.declared.regional.edge-scope = region eq 'north'} in
 * the test configuration), fed by the real central service and broker: changes of other edges are held when they match,
 * skipped when they never did, and a row that stops matching becomes a tombstone at this edge only, as do this edge's
 * own writes outside the scope once central has them.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class ScopedEdgeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TABLE = "regional";
    private static final Duration WITHIN = EdgeRows.WITHIN;

    @Inject
    MeterRegistry metrics;

    @Test
    void changesOfAnotherEdgeAreHeldWhereTheyMatchAndSkippedWhereTheyNeverDid() throws Exception {
        // Given another edge inserts one row of the north and one of the south
        String north = "n-" + UUID.randomUUID();
        String south = "s-" + UUID.randomUUID();
        double skipped = outOfScope();
        OtherEdge.publish(insert(north, "north", "v1-" + north));
        OtherEdge.publish(insert(south, "south", "v1-" + south));

        // Then central holds both, and this edge the north one only: the south one was skipped
        awaitAtCentral(north, "v1-" + north);
        awaitAtCentral(south, "v1-" + south);
        awaitHere(north, "live v1-" + north);
        Awaitility.await("the south row's change consumed").atMost(WITHIN).until(() -> outOfScope() > skipped);
        assertThat(here(south)).isEqualTo("absent");
        // And the devices of this edge see the north row only
        assertThat(given().header("ZUMO-API-VERSION", "2.0.0")
                .get("/tables/" + TABLE + "?$filter=id eq '" + north + "' or id eq '" + south + "'")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("id")).containsExactly(north);
    }

    @Test
    void aRowThatStopsMatchingIsATombstoneHereOnlyAndComesBackWhenItMatchesAgain() throws Exception {
        // Given a north row of another edge, held here
        String id = "m-" + UUID.randomUUID();
        OtherEdge.publish(insert(id, "north", "v1-" + id));
        awaitHere(id, "live v1-" + id);

        // When the other edge moves it to the south
        OtherEdge.publish(update(id, "south", "v1-" + id, "v2-" + id));

        // Then central holds it live in the south, and this edge as a tombstone of that version
        awaitAtCentral(id, "v2-" + id);
        awaitHere(id, "deleted v2-" + id);
        assertThat(TestInfrastructure.queryString(InfrastructureResource.DATABASE,
                "SELECT deleted::text || ' ' || (data->>'region') FROM central_record WHERE table_name = ? AND id = ?",
                TABLE, id)).isEqualTo("false south");
        // And a device that pulls with deleted rows gets it as deleted
        assertThat(given().header("ZUMO-API-VERSION", "2.0.0")
                .get("/tables/" + TABLE + "?__includedeleted=true&$filter=id eq '" + id + "'")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("deleted")).containsExactly(true);

        // When it moves back to the north
        OtherEdge.publish(update(id, "north", "v2-" + id, "v3-" + id));

        // Then this edge holds it live again
        awaitHere(id, "live v3-" + id);
    }

    @Test
    void aWriteOfThisEdgeOutsideTheScopeGoesToCentralAndLeavesThisEdgeWhenItComesBack() {
        // Given a device of this edge writes a row of the south and one of the north
        String south = "ds-" + UUID.randomUUID();
        String north = "dn-" + UUID.randomUUID();
        String southVersion = post(south, "south");
        String northVersion = post(north, "north");

        // Then central holds both, this edge the north one live (its echo confirmed) and the south one as a tombstone
        awaitAtCentral(south, southVersion);
        awaitAtCentral(north, northVersion);
        awaitHere(south, "deleted " + southVersion);
        awaitHere(north, "live " + northVersion);
    }

    private static String post(String id, String region) {
        return given().header("ZUMO-API-VERSION", "2.0.0")
                .contentType(ContentType.JSON)
                .body(Map.of("id", id, "region", region))
                .post("/tables/" + TABLE)
                .then()
                .statusCode(201)
                .extract()
                .path("version");
    }

    private double outOfScope() {
        return EdgeRows.outOfScope(metrics);
    }

    private static CudEvent insert(String id, String region, String version) {
        return EdgeRows.otherEdgeChange(TABLE, "insert", id, JSON.createObjectNode().put("region", region),
                Optional.empty(), version, Optional.empty());
    }

    private static CudEvent update(String id, String region, String base, String version) {
        return EdgeRows.otherEdgeChange(TABLE, "update", id, JSON.createObjectNode().put("region", region),
                Optional.of(base), version, Optional.empty());
    }

    private static void awaitAtCentral(String id, String version) {
        EdgeRows.awaitAtCentral(TABLE, id, version);
    }

    private static void awaitHere(String id, String state) {
        EdgeRows.awaitHere(TABLE, id, state);
    }

    private static String here(String id) throws Exception {
        return EdgeRows.here(TABLE, id);
    }
}
