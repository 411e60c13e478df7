package io.edgesync.cache;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Operability of the visibility horizon (ADR 0003): a transaction left open elsewhere in the database holds every
 * table's horizon back. Writes go on, pulls serve what was visible, readiness stays UP and names the session, the lag
 * metric grows; once the transaction ends the changes become visible.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class VisibilityHorizonTest {

    @Inject
    Pool pool;

    @Test
    void aTransactionLeftOpenHoldsPullsBackButNotWritesAndReadinessNamesIt() throws Exception {
        String table = "held" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        insert(table, "before");
        assertThat(pulledIds(table)).containsExactly("before");

        // Given a session that took a transaction id and then went idle, as a forgotten psql session does
        SqlConnection other = pool.getConnection().await().atMost(Duration.ofSeconds(10));
        try {
            other.query("SET application_name = 'forgotten-session'").execute().await().atMost(Duration.ofSeconds(5));
            var tx = other.begin().await().atMost(Duration.ofSeconds(10));
            other.query("SELECT pg_current_xact_id()").execute().await().atMost(Duration.ofSeconds(5));

            // When a device writes
            long start = System.nanoTime();
            insert(table, "during");

            // Then the write is answered at once, but pulls do not see it yet
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            assertThat(pulledIds(table)).containsExactly("before");

            // And readiness stays UP, says the horizon is held back and by whom, and the lag metric shows it
            Awaitility.await()
                    .atMost(15, TimeUnit.SECONDS)
                    .untilAsserted(() -> assertThat(visibilityCheck().getString("data.visibility"))
                            .isEqualTo("held back"));
            JsonPath check = visibilityCheck();
            assertThat(check.getString("status")).isEqualTo("UP");
            assertThat(check.getString("data.'held.back.by'")).contains("forgotten-session");
            assertThat(lagMetric()).isGreaterThan(1.0);

            // When the transaction ends
            tx.rollback().await().atMost(Duration.ofSeconds(5));
        } finally {
            other.close().await().atMost(Duration.ofSeconds(5));
        }

        // Then the change becomes visible and readiness is current again
        Awaitility.await()
                .atMost(10, TimeUnit.SECONDS)
                .untilAsserted(() -> assertThat(pulledIds(table)).containsExactly("before", "during"));
        Awaitility.await()
                .atMost(10, TimeUnit.SECONDS)
                .untilAsserted(() -> assertThat(visibilityCheck().getString("data.visibility"))
                        .isEqualTo("current"));
    }

    @Test
    void theGatewaysOwnSessionsEndATransactionLeftIdle() {
        String timeout = pool.query("SHOW idle_in_transaction_session_timeout")
                .execute()
                .await()
                .atMost(Duration.ofSeconds(5))
                .iterator()
                .next()
                .getString(0);

        assertThat(timeout).isEqualTo("1min");
    }

    private static void insert(String table, String id) {
        given().header("ZUMO-API-VERSION", "2.0.0")
                .contentType(ContentType.JSON)
                .body("{\"id\":\"" + id + "\",\"text\":\"" + id + "\"}")
                .post("/tables/" + table)
                .then()
                .statusCode(201);
    }

    /** The ids a JS client's first pull gets. */
    private static List<String> pulledIds(String table) {
        return given().header("ZUMO-API-VERSION", "2.0.0")
                .urlEncodingEnabled(false)
                .get("/tables/" + table
                        + "?$filter=(updatedAt%20ge%20datetimeoffset'1970-01-01T00:00:00.000Z')&$orderby=updatedAt")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("id", String.class);
    }

    private static JsonPath visibilityCheck() {
        JsonPath health = given().get("/q/health/ready").jsonPath();
        return new JsonPath(health.prettify()).setRootPath("checks.find { it.name == 'Change visibility' }");
    }

    private static double lagMetric() {
        String scrape = given().get("/q/metrics").then().statusCode(200).extract().asString();
        return scrape.lines()
                .filter(line -> line.startsWith("edgesync_visibility_lag_seconds"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no edgesync_visibility_lag_seconds in " + scrape));
    }
}
