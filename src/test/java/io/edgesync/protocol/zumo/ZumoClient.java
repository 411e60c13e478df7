package io.edgesync.protocol.zumo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Test support for the ZUMO (Azure Mobile Apps 2.0.0) and Datasync (3.0.0) table endpoints: requests as the real
 * clients send them, and the assertions every conformance case shares (docs/protocol.md section 8).
 */
public final class ZumoClient {

    public static final String VERSION_HEADER = "ZUMO-API-VERSION";
    public static final String V2 = "2.0.0";
    public static final String V3 = "3.0.0";

    /** The only date format the gateway may emit: UTC, exactly three fraction digits, {@code Z}. */
    public static final Pattern DATE = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");

    public static final ObjectMapper JSON = new ObjectMapper();

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private static final String UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

    private ZumoClient() {
    }

    // ---- requests -------------------------------------------------------------------------------------------------

    /** A request with {@code ZUMO-API-VERSION: 2.0.0}. */
    public static RequestSpecification v2() {
        return given().header(VERSION_HEADER, V2);
    }

    /** A request with {@code ZUMO-API-VERSION: 3.0.0}. */
    public static RequestSpecification v3() {
        return given().header(VERSION_HEADER, V3);
    }

    /**
     * A request whose URL is sent byte for byte as given: REST Assured's own encoding is off, so {@code $top},
     * {@code '}, {@code %20} and {@code %3A} reach the gateway exactly as the real clients write them.
     */
    public static RequestSpecification raw(String version) {
        return given().urlEncodingEnabled(false).header(VERSION_HEADER, version);
    }

    /** {@code GET /tables/{table}?{rawQuery}} with the query sent unchanged (no query when null or empty). */
    public static Response list(String version, String table, String rawQuery) {
        String url = "/tables/" + table + (rawQuery == null || rawQuery.isEmpty() ? "" : "?" + rawQuery);
        return raw(version).when().get(url);
    }

    /** A fresh table name (letters and digits only), created by its first POST. */
    public static String freshTable() {
        return "todo" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
    }

    /** A unique id with a readable prefix, e.g. {@code a1-1b4e28ba-2fa1-11d2-883f-0016d3cca427}. */
    public static String uniqueId(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    /** A lower-case 32-hex id: ids of one length over [0-9a-f] sort the same in Java and in any SQL collation. */
    public static String hexId() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    /** A JSON object from alternating names and values. */
    public static ObjectNode object(Object... namesAndValues) {
        assertThat(namesAndValues.length % 2).as("names and values come in pairs").isZero();
        ObjectNode node = JSON.createObjectNode();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            node.set((String) namesAndValues[i], JSON.valueToTree(namesAndValues[i + 1]));
        }
        return node;
    }

    /** V2 {@code POST /tables/{table}}; asserts 201 and returns the stored item. */
    public static JsonNode insertV2(String table, ObjectNode body) {
        Response response = v2().contentType(ContentType.JSON).body(body.toString()).when().post("/tables/" + table);
        assertThat(response.statusCode()).as("insert into %s: %s", table, response.asString()).isEqualTo(201);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        return item;
    }

    /**
     * Inserts the rows through the v2 API: the first alone (it creates a fresh table), the rest on a small thread pool.
     * Returns the stored items in the order of the given bodies.
     */
    public static List<JsonNode> insertManyV2(String table, List<ObjectNode> bodies) {
        List<JsonNode> stored = new ArrayList<>(Collections.nCopies(bodies.size(), null));
        if (bodies.isEmpty()) {
            return stored;
        }
        stored.set(0, insertV2(table, bodies.get(0)));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<JsonNode>> futures = new ArrayList<>();
            for (ObjectNode body : bodies.subList(1, bodies.size())) {
                futures.add(pool.submit(() -> insertV2(table, body)));
            }
            for (int i = 0; i < futures.size(); i++) {
                stored.set(i + 1, futures.get(i).get(60, TimeUnit.SECONDS));
            }
        } catch (Exception e) {
            throw new AssertionError("bulk insert into " + table + " failed", e);
        } finally {
            pool.shutdownNow();
        }
        return stored;
    }

    /** V2 {@code GET /tables/{table}/{id}}; asserts 200 and returns the item. */
    public static JsonNode readV2(String table, String id) {
        Response response = v2().when().get("/tables/{table}/{id}", table, id);
        assertThat(response.statusCode()).as("read %s/%s: %s", table, id, response.asString()).isEqualTo(200);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        return item;
    }

    /** V2 unconditional {@code PATCH /tables/{table}/{id}}; asserts 200 and returns the item. */
    public static JsonNode patchV2(String table, String id, ObjectNode body) {
        Response response = v2().contentType(ContentType.JSON)
                .body(body.toString())
                .when()
                .patch("/tables/{table}/{id}", table, id);
        assertThat(response.statusCode()).as("patch %s/%s: %s", table, id, response.asString()).isEqualTo(200);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        return item;
    }

    /** V2 unconditional {@code DELETE /tables/{table}/{id}} (soft delete); asserts 200 and returns the tombstone. */
    public static JsonNode deleteV2(String table, String id) {
        Response response = v2().when().delete("/tables/{table}/{id}", table, id);
        assertThat(response.statusCode()).as("delete %s/%s: %s", table, id, response.asString()).isEqualTo(200);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        assertThat(item.path("deleted").asBoolean(false)).as("deleted after DELETE").isTrue();
        return item;
    }

    /** V3 {@code POST /tables/{table}}; asserts 201 with a Location for the new item and returns it. */
    public static JsonNode insertV3(String table, ObjectNode body) {
        Response response = v3().contentType(ContentType.JSON).body(body.toString()).when().post("/tables/" + table);
        assertThat(response.statusCode()).as("v3 insert into %s: %s", table, response.asString()).isEqualTo(201);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        assertThat(response.header("Location")).as("Location")
                .endsWith("/tables/" + table + "/" + item.path("id").asText());
        return item;
    }

    /** V3 {@code GET /tables/{table}/{id}}; asserts 200 and returns the item. */
    public static JsonNode readV3(String table, String id) {
        Response response = v3().when().get("/tables/{table}/{id}", table, id);
        assertThat(response.statusCode()).as("v3 read %s/%s: %s", table, id, response.asString()).isEqualTo(200);
        JsonNode item = json(response);
        assertItemResponse(response, item);
        return item;
    }

    // ---- encoding -------------------------------------------------------------------------------------------------

    /** Percent-encodes everything but RFC 3986 unreserved characters, as the Datasync client encodes $filter. */
    public static String pct(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (b >= 0 && UNRESERVED.indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    /** The JS client's wire form of an expression: spaces become {@code %20}, everything else is sent raw. */
    public static String jsc(String expression) {
        return expression.replace(" ", "%20");
    }

    /** The decoded query parameters of a URL or bare query string, in order (later duplicates win). */
    public static Map<String, String> queryParameters(String urlOrQuery) {
        int question = urlOrQuery.indexOf('?');
        String query = question >= 0 ? urlOrQuery.substring(question + 1) : urlOrQuery;
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = eq >= 0 ? pair.substring(0, eq) : pair;
            String value = eq >= 0 ? pair.substring(eq + 1) : "";
            parameters.put(URLDecoder.decode(name, StandardCharsets.UTF_8),
                    URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return parameters;
    }

    // ---- reading responses ----------------------------------------------------------------------------------------

    public static JsonNode json(Response response) {
        try {
            return JSON.readTree(response.asString());
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON (" + response.statusCode() + "): " + response.asString(), e);
        }
    }

    public static Instant updatedAt(JsonNode item) {
        return Instant.parse(item.path("updatedAt").asText());
    }

    public static Instant createdAt(JsonNode item) {
        return Instant.parse(item.path("createdAt").asText());
    }

    public static String version(JsonNode item) {
        return item.path("version").asText();
    }

    /** The ids of a JSON array of items, in order. */
    public static List<String> ids(JsonNode items) {
        assertThat(items.isArray()).as("an array of items: %s", items).isTrue();
        List<String> ids = new ArrayList<>();
        items.forEach(item -> ids.add(item.path("id").asText()));
        return ids;
    }

    /** A JSON object as a map (readable in failure messages, equal regardless of member order). */
    public static Map<String, Object> asMap(JsonNode object) {
        assertThat(object.isObject()).as("a JSON object: %s", object).isTrue();
        return JSON.convertValue(object, MAP);
    }

    /** A JSON array of objects as a list of maps. */
    public static List<Map<String, Object>> asMaps(JsonNode array) {
        assertThat(array.isArray()).as("a JSON array: %s", array).isTrue();
        List<Map<String, Object>> maps = new ArrayList<>();
        array.forEach(item -> maps.add(asMap(item)));
        return maps;
    }

    /** The same item: every member equal, in any order. */
    public static void assertSameItem(JsonNode actual, JsonNode expected) {
        assertThat(asMap(actual)).isEqualTo(asMap(expected));
    }

    /** The strong ETag a single-item response must carry for this version. */
    public static String etagOf(String version) {
        return "\"" + version + "\"";
    }

    // ---- shared assertions ----------------------------------------------------------------------------------------

    /** "ETag ok": a strong {@code ETag} equal to {@code "} + body version + {@code "}. */
    public static void assertEtagOk(Response response, JsonNode item) {
        assertThat(item.path("version").isTextual()).as("version is a string: %s", item).isTrue();
        assertThat(item.path("version").asText()).as("version").isNotEmpty();
        assertThat(response.header("ETag")).as("ETag header").isEqualTo(etagOf(item.path("version").asText()));
    }

    /** An item carries the five system properties with their JSON types and the gateway's date format. */
    public static void assertSystemProperties(JsonNode item) {
        assertThat(item.isObject()).as("an item object: %s", item).isTrue();
        assertThat(item.path("id").isTextual()).as("id is a string: %s", item).isTrue();
        assertThat(item.path("id").asText()).as("id").isNotEmpty();
        assertThat(item.path("createdAt").isTextual()).as("createdAt is a string: %s", item).isTrue();
        assertThat(item.path("createdAt").asText()).as("createdAt of %s", item).matches(DATE);
        assertThat(item.path("updatedAt").isTextual()).as("updatedAt is a string: %s", item).isTrue();
        assertThat(item.path("updatedAt").asText()).as("updatedAt of %s", item).matches(DATE);
        assertThat(item.path("version").isTextual()).as("version is a string: %s", item).isTrue();
        assertThat(item.path("version").asText()).as("version").isNotEmpty();
        assertThat(item.path("deleted").isBoolean()).as("deleted is a boolean: %s", item).isTrue();
    }

    /**
     * Case 57 and Appendix B on a 2xx response with a body: a buffered body with {@code Content-Length} > 0, the
     * no-cache header, and every {@code createdAt}/{@code updatedAt} in it with exactly three fraction digits and Z.
     */
    public static void assertSuccessBody(Response response, JsonNode body) {
        assertThat(response.statusCode()).as("status").isBetween(200, 299);
        assertThat(response.header("Content-Length")).as("Content-Length header").isNotNull();
        assertThat(Long.parseLong(response.header("Content-Length").trim())).as("Content-Length").isPositive();
        assertThat(response.header("Cache-Control")).as("Cache-Control header").isNotNull();
        assertThat(response.header("Cache-Control").toLowerCase(Locale.ROOT)).as("Cache-Control").contains("no-cache");
        assertThat(response.contentType()).as("Content-Type").startsWith("application/json");
        assertDatesHaveMilliseconds(body);
    }

    /** A 2xx single-item response: success body, system properties and "ETag ok". */
    public static void assertItemResponse(Response response, JsonNode item) {
        assertSuccessBody(response, item);
        assertSystemProperties(item);
        assertEtagOk(response, item);
    }

    /** A 2xx list response: success body and the system properties of every item. */
    public static void assertListResponse(Response response, JsonNode items) {
        assertSuccessBody(response, items);
        assertThat(items.isArray()).as("an array of items: %s", items).isTrue();
        items.forEach(ZumoClient::assertSystemProperties);
    }

    /** A v2 error: the status and a JSON object with a non-empty string {@code error}. */
    public static JsonNode assertV2Error(Response response, int status) {
        assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(status);
        assertThat(response.contentType()).as("Content-Type").startsWith("application/json");
        JsonNode body = json(response);
        assertThat(body.isObject()).as("error body is an object: %s", body).isTrue();
        assertThat(body.path("error").isTextual()).as("error is a string: %s", body).isTrue();
        assertThat(body.path("error").asText()).as("error").isNotBlank();
        return body;
    }

    /** The v2 answer for an id that does not exist: 404 {@code {"error":"The item does not exist"}}. */
    public static void assertV2ItemDoesNotExist(Response response) {
        assertV2Error(response, 404);
        assertThat(asMap(json(response))).isEqualTo(Map.of("error", "The item does not exist"));
    }

    private static void assertDatesHaveMilliseconds(JsonNode node) {
        if (node.isArray()) {
            node.forEach(ZumoClient::assertDatesHaveMilliseconds);
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                if ((field.getKey().equals("createdAt") || field.getKey().equals("updatedAt"))
                        && field.getValue().isTextual()) {
                    assertThat(field.getValue().asText()).as("%s", field.getKey()).matches(DATE);
                } else {
                    assertDatesHaveMilliseconds(field.getValue());
                }
            }
        }
    }
}
