package io.edgesync.security;

import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.TestInfrastructure;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What one query may cost the database: a few kilobytes of {@code $filter} once made a PostgreSQL backend allocate a
 * gigabyte and answer 500. Strings a query builds are bounded (400) and no statement outlives the statement timeout
 * (503 with {@code Retry-After}); never a 500.
 */
@QuarkusTest
@TestProfile(QueryCostTest.ShortStatementTimeout.class)
@WithTestResource(InfrastructureResource.class)
class QueryCostTest {

    /** A statement timeout a costly query outruns quickly. */
    public static class ShortStatementTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("edgesync.limits.statement-timeout-millis", "500");
        }
    }

    @Test
    void aFilterOfNestedReplaceCallsIsRefusedBeforeItExhaustsTheDatabase() {
        // Given a table with a row
        String table = "costly_" + suffix();
        zumo().body("{\"text\":\"a\"}").post("/tables/" + table).then().statusCode(201);

        // When the filter nests replace() twenty times, each turning every 'a' into a hundred
        String expression = "text";
        for (int level = 0; level < 20; level++) {
            expression = "replace(" + expression + ",'a','" + "a".repeat(100) + "')";
        }
        Response answer = zumo().queryParam("$filter", "length(" + expression + ") gt 0").get("/tables/" + table);

        // Then it is refused as soon as a string would pass the bound
        assertThat(answer.statusCode()).as(abbreviated(answer)).isEqualTo(400);
        assertThat(answer.jsonPath().getString("error")).contains("longer than 1048576 characters");
    }

    @Test
    void aFilterOfNestedConcatsIsRefusedPastTheBound() {
        // Given a row with a 60 KB string
        String table = "costly_" + suffix();
        zumo().body("{\"text\":\"" + "b".repeat(60_000) + "\"}").post("/tables/" + table).then().statusCode(201);

        // When the filter concatenates it with itself 32 times over
        String expression = "text";
        for (int level = 0; level < 5; level++) {
            expression = "concat(" + expression + "," + expression + ")";
        }
        Response answer = zumo().queryParam("$filter", "length(" + expression + ") gt 0").get("/tables/" + table);

        // Then it is refused
        assertThat(answer.statusCode()).as(abbreviated(answer)).isEqualTo(400);
        assertThat(answer.jsonPath().getString("error")).contains("longer than 1048576 characters");
    }

    @Test
    void aQueryThatOutrunsTheStatementTimeoutIs503WithRetryAfter() throws Exception {
        // Given a table of 20,000 rows of a thousand characters
        String table = "slow_" + suffix();
        zumo().body("{\"text\":\"first\"}").post("/tables/" + table).then().statusCode(201);
        try (Connection connection = TestInfrastructure.connect(InfrastructureResource.DATABASE);
                Statement sql = connection.createStatement()) {
            sql.execute("INSERT INTO sync_record (table_name, id, data, created_at, updated_at, version, deleted,"
                    + " change_seq) SELECT '" + table
                    + "', md5(g::text), jsonb_build_object('text', repeat('a', 1000)),"
                    + " now(), now() + g * INTERVAL '1 millisecond', md5(g::text), false,"
                    + " nextval(es_clock('" + table + "'))"
                    + " FROM generate_series(1, 20000) AS g");
        }

        // When a filter makes every row's string a hundred times longer, within the bound, twice over
        Response answer = zumo()
                .queryParam("$filter", "length(replace(replace(text,'a','aaaaaaaaaa'),'a','aaaaaaaaaa')) eq 1")
                .get("/tables/" + table);

        // Then the database gives up at the statement timeout and the client is told to come back
        assertThat(answer.statusCode()).as(abbreviated(answer)).isEqualTo(503);
        assertThat(answer.header("Retry-After")).isNotBlank();
        assertThat(answer.jsonPath().getString("error")).contains("did not answer in time");
    }

    private static String abbreviated(Response answer) {
        String body = answer.asString();
        return body.length() <= 300 ? body : body.substring(0, 300) + "...";
    }

    private static RequestSpecification zumo() {
        return given().header("ZUMO-API-VERSION", "2.0.0").contentType(ContentType.JSON);
    }

    private static String suffix() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
