package io.edgesync.security;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.TestInfrastructure;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile input: a generated corpus of thousands of random and mutated {@code $filter}, {@code $orderby},
 * {@code $select} strings and JSON bodies never produces a 500 and never changes a canary table; SQL injection in every
 * literal form, by name, likewise. The corpus is seeded, so a failure names the input that caused it.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FuzzTest {

    private static final long SEED = 20261125L;
    private static final String CANARY = "canary";
    private static final String TARGET = "fuzzed";

    /** Filters real clients send (docs/protocol.md 4.1, 6.5-6.7), the seeds of mutation. */
    private static final List<String> SEEDS = List.of(
            "(updatedAt ge datetimeoffset'1969-12-31T08:00:00.000Z')",
            "(updatedAt ge datetimeoffset'1970-01-01T00:00:00.0000000+00:00')",
            "(updatedAt gt cast(2024-05-01T10:00:00.000Z,Edm.DateTimeOffset))",
            "((text eq 'milk') and (complete eq false))",
            "substringof('ab',text)",
            "startswith(tolower(text),'ab')",
            "not complete",
            "(complete eq false) and (indexof(text,'x') ge 0)",
            "contains(text,'ab')",
            "text in ('a','b')",
            "length(text) add 1 gt 3",
            "year(updatedAt) eq 2024",
            "id eq guid'7f1a2b3c-0000-4000-8000-000000000001'",
            "replace(text,'a','b') eq 'bbb'",
            "substring(text,1,2) eq 'bc'",
            "round(count div 3) le 2",
            "concat(text,'x') ne null");

    /** Payloads aimed at SQL (and at the JSON and URL layers around it). */
    private static final List<String> INJECTIONS = List.of(
            "'; DROP TABLE sync_record; --",
            "' OR '1'='1",
            "') OR ('1'='1",
            "x'); DELETE FROM sync_record; --",
            "$1",
            "\\'; SELECT pg_sleep(5); --",
            "1; UPDATE sync_record SET data = '{}'",
            "%27%20OR%201%3D1",
            "\u0000",
            "\u2028'\u2029",
            "''''",
            "e'\\x27 OR 1=1",
            "/* */ OR 1=1 --",
            "` OR 1=1",
            "\" OR \"1\"=\"1");

    private Map<String, String> canaryBefore;

    @BeforeEach
    void createCanaryAndTarget() throws Exception {
        if (canaryBefore != null) {
            return;
        }
        for (int i = 0; i < 5; i++) {
            v2().body("{\"id\":\"c" + i + "\",\"text\":\"canary " + i + "\",\"complete\":false,\"count\":" + i + "}")
                    .post("/tables/" + CANARY);
            v2().body("{\"id\":\"t" + i + "\",\"text\":\"abc" + i + "\",\"complete\":true,\"count\":" + i + "}")
                    .post("/tables/" + TARGET);
        }
        canaryBefore = canaryState();
        assertThat(canaryBefore).hasSize(5);
    }

    @Test
    void thousandsOfRandomAndMutatedQueriesNeverFailWithA500() throws Exception {
        // Given the canary and target tables of five rows each, and a seeded random source
        Random random = new Random(SEED);
        List<String> failures = new ArrayList<>();
        int requests = 0;
        // When 1,500 filters, mutated from real clients' ones, generated from the grammar or random text, are sent
        // under either version, with a mutated $orderby and $select every fifth time
        for (int i = 0; i < 1500; i++) {
            String filter = switch (i % 3) {
                case 0 -> mutate(SEEDS.get(random.nextInt(SEEDS.size())), random);
                case 1 -> generateFilter(random, 0);
                default -> randomText(random, 1 + random.nextInt(60));
            };
            requests += check(failures, "$filter", filter, random.nextBoolean() ? "2.0.0" : "3.0.0");
            if (i % 5 == 0) {
                requests += check(failures, "$orderby", mutate("text desc,complete,updatedAt", random), "2.0.0");
                requests += check(failures, "$select", mutate("id,text,complete", random), "3.0.0");
            }
        }
        // Then none is answered with a 5xx, nor with internals in an error
        assertThat(failures).as("requests answered with 5xx (of %d)", requests).isEmpty();
        // And the canary table is unchanged
        assertThat(canaryState()).as("canary table").isEqualTo(canaryBefore);
    }

    @Test
    void thousandsOfRandomAndMutatedBodiesNeverFailWithA500() throws Exception {
        // Given the canary and target tables of five rows each, a seeded random source, and a table item and a native
        // batch to mutate
        Random random = new Random(SEED + 1);
        List<String> failures = new ArrayList<>();
        String item = "{\"id\":\"x1\",\"text\":\"milk\",\"complete\":false,\"count\":3,\"when\":\"2024-05-01T10:00:00Z\"}";
        String batch = "{\"operations\":[{\"operationId\":\"o1\",\"table\":\"fuzzed\",\"kind\":\"update\",\"id\":\"t1\","
                + "\"item\":{\"text\":\"y\"},\"baseVersion\":\"AAAA\"}]}";
        // When 1,200 bodies, mutated or random, are posted to the table protocol or pushed natively, every tenth also
        // sent as a PATCH of a target row
        for (int i = 0; i < 1200; i++) {
            String body = i % 4 == 3
                    ? randomText(random, random.nextInt(80))
                    : mutate(i % 2 == 0 ? item : batch,
                            random);
            Response response = i % 2 == 0
                    ? given().header("ZUMO-API-VERSION", "2.0.0")
                            .contentType(ContentType.JSON)
                            .body(body.getBytes(StandardCharsets.UTF_8))
                            .post("/tables/" + TARGET)
                    : given().contentType(ContentType.JSON)
                            .body(body.getBytes(StandardCharsets.UTF_8))
                            .post("/sync/v1/devices/{d}/push", "fuzz-device");
            if (response.statusCode() >= 500) {
                failures.add(response.statusCode() + " for body " + body);
            }
            if (i % 10 == 0) {
                Response patch = given().header("ZUMO-API-VERSION", "2.0.0")
                        .contentType(ContentType.JSON)
                        .body(body.getBytes(StandardCharsets.UTF_8))
                        .patch("/tables/" + TARGET + "/t2");
                if (patch.statusCode() >= 500) {
                    failures.add(patch.statusCode() + " for PATCH body " + body);
                }
            }
        }
        // Then none is answered with a 5xx
        assertThat(failures).as("bodies answered with 5xx").isEmpty();
        // And the canary table is unchanged
        assertThat(canaryState()).as("canary table").isEqualTo(canaryBefore);
    }

    static Stream<Arguments> injections() {
        List<Arguments> cases = new ArrayList<>();
        for (String payload : INJECTIONS) {
            String quoted = payload.replace("'", "''");
            Map<String, String> forms = new LinkedHashMap<>();
            forms.put("string literal", "text eq '" + quoted + "'");
            forms.put("datetime literal", "updatedAt ge datetime'" + quoted + "'");
            forms.put("datetimeoffset literal", "updatedAt ge datetimeoffset'" + quoted + "'");
            forms.put("guid literal", "id eq guid'" + quoted + "'");
            forms.put("cast", "updatedAt gt cast(" + payload + ",Edm.DateTimeOffset)");
            forms.put("in list", "text in ('a','" + quoted + "')");
            forms.put("function argument", "substringof('" + quoted + "',text)");
            forms.put("replace argument", "replace(text,'a','" + quoted + "') eq 'x'");
            forms.put("member name", payload + " eq 1");
            forms.put("unquoted", "text eq " + payload);
            for (Map.Entry<String, String> form : forms.entrySet()) {
                cases.add(Arguments.of(form.getKey(), payload, "$filter", form.getValue()));
            }
            cases.add(Arguments.of("orderby member", payload, "$orderby", payload));
            cases.add(Arguments.of("select member", payload, "$select", "id," + payload));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("injections")
    void sqlInjectionInEveryLiteralFormIsInertData(String form, String payload, String option, String value)
            throws Exception {
        // When an injection payload, in one of its forms, is sent in a query option
        Response response = given().header("ZUMO-API-VERSION", "2.0.0")
                .queryParam(option, value)
                .get("/tables/" + TARGET);
        // Then the answer is a result, or a 400 that says why
        assertThat(response.statusCode()).as("%s %s", option, value).isIn(200, 400);
        if (response.statusCode() == 400) {
            assertThat(response.jsonPath().getString("error")).isNotBlank();
        }
        // When the payload is posted in a body too, as an item's text, then it gets no 5xx
        String body = "{\"id\":\"inj-" + Integer.toHexString(payload.hashCode()) + "\",\"text\":"
                + com.fasterxml.jackson.databind.node.TextNode.valueOf(payload) + "}";
        assertThat(given().header("ZUMO-API-VERSION", "2.0.0")
                .contentType(ContentType.JSON)
                .body(body)
                .post("/tables/" + TARGET)
                .statusCode()).isLessThan(500);
        // And the canary table is unchanged
        assertThat(canaryState()).isEqualTo(canaryBefore);
    }

    private int check(List<String> failures, String option, String value, String version) {
        Response response = given().header("ZUMO-API-VERSION", version)
                .queryParam(option, value)
                .get("/tables/" + TARGET);
        if (response.statusCode() >= 500) {
            failures.add(response.statusCode() + " for " + option + "=" + value);
        } else if (response.statusCode() >= 400) {
            String text = response.asString();
            if (text.contains("Exception") || text.contains("io.edgesync") || text.contains("org.postgresql")) {
                failures.add("internals in the error for " + option + "=" + value + ": " + text);
            }
        }
        return 1;
    }

    /** A random, mostly well-formed filter from the grammar of docs/protocol.md 4.2. */
    private static String generateFilter(Random random, int depth) {
        String[] members = {"text", "complete", "count", "id", "updatedAt", "createdAt", "deleted", "version"};
        String[] comparisons = {"eq", "ne", "gt", "ge", "lt", "le"};
        String[] literals = {"'a'", "''", "'it''s'", "1", "-1", "1.5", "1.5f", "2M", "10L", "1E308", "true", "false",
                "null", "datetime'2024-01-01T00:00:00Z'", "datetimeoffset'2024-01-01T00:00:00.1234567+02:00'",
                "2024-01-01T00:00:00.000Z", "guid'00000000-0000-0000-0000-000000000000'"};
        String[] functions = {"tolower(%s)", "toupper(%s)", "trim(%s)", "length(%s)", "year(%s)", "floor(%s)",
                "round(%s)", "substring(%s,1)", "indexof(%s,'a')", "concat(%s,'b')", "startswith(%s,'a')"};
        int choice = depth > 3 ? 0 : random.nextInt(6);
        return switch (choice) {
            case 0, 1 -> operand(random, members, literals, functions) + " "
                    + comparisons[random.nextInt(comparisons.length)] + " "
                    + operand(random, members, literals, functions);
            case 2 -> "(" + generateFilter(random, depth + 1) + ") " + (random.nextBoolean() ? "and" : "or") + " ("
                    + generateFilter(random, depth + 1) + ")";
            case 3 -> "not " + generateFilter(random, depth + 1);
            case 4 -> operand(random, members, literals, functions) + " " + (random.nextBoolean() ? "add" : "div")
                    + " " + operand(random, members, literals, functions) + " gt 0";
            default -> members[random.nextInt(members.length)] + " in (" + literals[random.nextInt(literals.length)]
                    + "," + literals[random.nextInt(literals.length)] + ")";
        };
    }

    private static String operand(Random random, String[] members, String[] literals, String[] functions) {
        int kind = random.nextInt(3);
        if (kind == 0) {
            return members[random.nextInt(members.length)];
        }
        if (kind == 1) {
            return literals[random.nextInt(literals.length)];
        }
        return String.format(functions[random.nextInt(functions.length)], members[random.nextInt(members.length)]);
    }

    /** Deletes, duplicates, swaps and inserts characters, with a bias to the ones parsers care about. */
    private static String mutate(String text, Random random) {
        StringBuilder out = new StringBuilder(text);
        String special = "'()\",;\\%$#&=+-*/ \t\u0000\u00e9\ud83d\ude00";
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits && out.length() > 0; e++) {
            int at = random.nextInt(out.length());
            switch (random.nextInt(4)) {
                case 0 -> out.deleteCharAt(at);
                case 1 -> out.insert(at, special.charAt(random.nextInt(special.length())));
                case 2 -> out.setCharAt(at, special.charAt(random.nextInt(special.length())));
                default -> out.insert(at, out.substring(at, Math.min(out.length(), at + 1 + random.nextInt(10))));
            }
        }
        return out.toString();
    }

    private static String randomText(Random random, int length) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int kind = random.nextInt(10);
            out.append(kind < 7 ? (char) (32 + random.nextInt(95)) : (char) random.nextInt(0x3000));
        }
        return out.toString();
    }

    private static Map<String, String> canaryState() throws Exception {
        Map<String, String> state = new LinkedHashMap<>();
        try (Connection db = TestInfrastructure.connect(InfrastructureResource.DATABASE);
                Statement sql = db.createStatement();
                ResultSet rows = sql.executeQuery("SELECT id, version, data::text FROM sync_record"
                        + " WHERE table_name = 'canary' ORDER BY id")) {
            while (rows.next()) {
                state.put(rows.getString(1), rows.getString(2) + " " + rows.getString(3));
            }
        }
        return state;
    }

    private static io.restassured.specification.RequestSpecification v2() {
        return given().header("ZUMO-API-VERSION", "2.0.0").contentType(ContentType.JSON);
    }
}
