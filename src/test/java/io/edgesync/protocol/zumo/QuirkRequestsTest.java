package io.edgesync.protocol.zumo;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** Every request shape of docs/protocol.md's quirk list (section 7) gets a deliberate answer, never a 500. */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class QuirkRequestsTest {

    private static final String TABLE = "quirks";

    @BeforeEach
    void createTable() {
        // The table exists once something was written to it (auto-create in the test profile); 409 on later runs
        given().urlEncodingEnabled(false)
                .header("ZUMO-API-VERSION", "2.0.0")
                .contentType("application/json")
                .body("{\"id\":\"seed\",\"text\":\"abc\",\"complete\":false,\"count\":3}")
                .post("/tables/" + TABLE);
    }

    static Stream<Arguments> quirks() {
        String features = "OL,IP,TR,QS,".repeat(2000);
        return Stream.of(
                Arguments.of("Q18 growing X-ZUMO-FEATURES", "GET", "", null, null, features, 200),
                Arguments.of("Q11 substringof", "GET", "$filter=substringof('a',text)", null, null, null, 200),
                Arguments.of("Q9 watermark before 1970", "GET",
                        "$filter=(updatedAt%20ge%20datetime'1969-12-31T08:00:00.000Z')", null, null, null, 200),
                Arguments.of("Q10 datetimeoffset with 7 digits and offset", "GET",
                        "$filter=(updatedAt%20ge%20datetimeoffset'2017-11-07T01%3A59%3A38.1790000%2B00%3A00')", null,
                        null, null, 200),
                Arguments.of("Q10 undecoded plus in an offset", "GET",
                        "$filter=(updatedAt%20ge%20datetimeoffset'2017-11-07T01:59:38.1790000+00:00')", null, null,
                        null, 200),
                Arguments.of("Q8 __includeDeleted=false", "GET", "__includeDeleted=false", null, null, null, 200),
                Arguments.of("Q16 $top far above the maximum", "GET", "$top=20000", null, null, null, 200),
                Arguments.of("Q16 $top beyond a long", "GET", "$top=99999999999999999999999", null, null, null, 200),
                Arguments.of("v4 bare date literal", "GET", "$filter=updatedAt%20gt%202024-01-01T00:00:00.000Z", null,
                        null, null, 200),
                Arguments.of("empty $filter", "GET", "$filter=", null, null, null, 200),
                Arguments.of("several $orderby keys", "GET", "$orderby=text%20desc,complete", null, null, null, 200),
                Arguments.of("$select in another case", "GET", "$select=TEXT,ID", null, null, null, 200),
                Arguments.of("negative $skip", "GET", "$skip=-1", null, null, null, 400),
                Arguments.of("invalid UTF-8 in the query", "GET", "$filter=text%20eq%20'%C3%28'", null, null, null,
                        400),
                Arguments.of("division by zero", "GET", "$filter=count%20div%200%20eq%201", null, null, null, 200),
                Arguments.of("huge arithmetic", "GET",
                        "$filter=count%20mul%201e308%20mul%201e308%20mul%201e308%20mul%201e308%20gt%200", null, null,
                        null, 200),
                Arguments.of("unknown function", "GET", "$filter=frobnicate(text)", null, null, null, 400),
                Arguments.of("Q21 numeric id", "POST", "", "{\"id\":4711,\"text\":\"n\"}", "application/json", null,
                        201),
                Arguments.of("Q13 client version on insert", "POST", "", "{\"text\":\"v\",\"version\":\"abc\"}",
                        "application/json", null, 201),
                Arguments.of("body without content type", "POST", "", "{\"text\":\"no type\"}", null, null, 201),
                Arguments.of("non-JSON content type", "POST", "", "text=x", "text/plain", null, 415),
                Arguments.of("body is an array", "POST", "", "[{\"id\":\"z\"}]", "application/json", null, 400),
                Arguments.of("body is null", "POST", "", "null", "application/json", null, 400),
                Arguments.of("nested object value", "POST", "", "{\"text\":{\"a\":1}}", "application/json", null,
                        400),
                Arguments.of("invalid column name", "POST", "", "{\"a b\":1}", "application/json", null, 400),
                Arguments.of("duplicate members", "POST", "", "{\"text\":\"a\",\"text\":\"b\"}", "application/json",
                        null, 400),
                Arguments.of("invalid UTF-8 body", "POST", "", "{\"text\":\"\u00ff\"}", "application/json", null,
                        400));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("quirks")
    void quirkRequestGetsADeliberateAnswer(String name, String method, String query, String body,
            String contentType, String features, int expectedStatus) {
        RequestSpecification request = given().urlEncodingEnabled(false).header("ZUMO-API-VERSION", "2.0.0");
        if (features != null) {
            request.header("X-ZUMO-FEATURES", features);
        }
        if (contentType != null) {
            request.contentType(contentType);
        } else {
            request.noContentType();
        }
        if (body != null) {
            // Bytes as given; the invalid-UTF-8 case sends a Latin-1 byte that is no UTF-8 sequence
            request.body(name.startsWith("invalid UTF-8 body")
                    ? body.getBytes(StandardCharsets.ISO_8859_1)
                    : body.getBytes(StandardCharsets.UTF_8));
        }
        String url = "/tables/" + TABLE + (query.isEmpty() ? "" : "?" + query);
        Response response = request.request(method, url);

        assertThat(response.statusCode()).as("%s: %s", name, response.asString()).isEqualTo(expectedStatus);
        if (response.statusCode() >= 400) {
            assertThat(response.asString()).as("error body").contains("\"error\"").doesNotContain("Exception");
        }
    }
}
