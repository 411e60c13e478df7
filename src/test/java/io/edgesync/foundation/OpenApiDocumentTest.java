package io.edgesync.foundation;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI document describes the API as it answers: the gateway's own schemas (no Jackson, JAX-RS or JDK types),
 * the native pull page, push results and change stream, the table protocol's records and pages, and a Problem body on
 * every error status an operation can answer.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class OpenApiDocumentTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCHEMAS = "#/components/schemas/";
    private static final String RESPONSES = "#/components/responses/";
    private static final String PROBLEM_JSON = "application/problem+json";
    /** Types of the frameworks behind the endpoints, which say nothing about what a client receives. */
    private static final Set<String> FRAMEWORK_TYPES = Set.of("JsonNode", "ObjectNode", "ArrayNode", "JsonNodeType",
            "MediaType", "OutboundSseEvent", "Response", "Instant", "Multi", "Uni", "Object", "Op");
    private static final Set<String> SYSTEM_PROPERTIES = Set.of("id", "createdAt", "updatedAt", "version", "deleted");

    private static JsonNode document;

    /** The document, read once: it is generated at build time and the same for every test. */
    @BeforeEach
    void readDocument() throws Exception {
        if (document == null) {
            String text = given().get("/q/openapi?format=json").then().statusCode(200).extract().asString();
            document = JSON.readTree(text);
        }
    }

    @Test
    void componentsHoldOnlyTheApisOwnSchemas() {
        // Given the document's named schemas
        JsonNode schemas = document.path("components").path("schemas");
        Set<String> schemaNames = names(schemas);

        // Then none is a framework type, also under another name (a JsonNode's or an SSE event's own getters)
        assertThat(schemaNames).as("schemas of framework types").doesNotContainAnyElementsOf(FRAMEWORK_TYPES);
        for (String name : schemaNames) {
            assertThat(schemas.path(name).path("properties").has("valueNode")
                    || schemas.path(name).path("properties").has("reconnectDelay")).as(name + " is a framework type")
                    .isFalse();
        }
        // And every reference in the document leads to one of them, or to an answer several operations share
        List<String> refs = new ArrayList<>();
        collectRefs(document, refs);
        Set<String> answers = names(document.path("components").path("responses"));
        assertThat(refs).isNotEmpty().allSatisfy(ref -> {
            if (ref.startsWith(RESPONSES)) {
                assertThat(answers).contains(ref.substring(RESPONSES.length()));
            } else {
                assertThat(ref).startsWith(SCHEMAS);
                assertThat(schemaNames).contains(ref.substring(SCHEMAS.length()));
            }
        });
        // And an instant is a date-time string
        JsonNode seen = resolve(schema("DeviceView").path("properties").path("firstSeen"));
        assertThat(seen.path("type").asText()).isEqualTo("string");
        assertThat(seen.path("format").asText()).isEqualTo("date-time");
    }

    @Test
    void nativePullAnswersAPullPageOfTableRecords() {
        JsonNode pull = operation("/sync/v1/devices/{deviceId}/pull", "get");

        assertThat(refOf(content(pull, "200", "application/json"))).isEqualTo("PullPage");
        assertThat(names(schema("PullPage").path("properties")))
                .isEqualTo(Set.of("table", "changes", "token", "hasMore"));
        assertThat(refOf(schema("PullPage").path("properties").path("changes").path("items")))
                .isEqualTo("TableRecord");
        assertThat(errorCodes(pull)).containsExactlyInAnyOrder("400", "401", "403", "404", "410", "429", "500",
                "503");
    }

    @Test
    void nativePushTakesOperationsAndAnswersOneResultEach() {
        JsonNode push = operation("/sync/v1/devices/{deviceId}/push", "post");

        assertThat(refOf(push.path("requestBody").path("content").path("application/json").path("schema")))
                .isEqualTo("PushRequest");
        assertThat(refOf(schema("PushRequest").path("properties").path("operations").path("items")))
                .isEqualTo("PushOperation");
        assertThat(refOf(content(push, "200", "application/json"))).isEqualTo("PushResult");
        JsonNode result = resolve(schema("PushResult").path("properties").path("results").path("items"));
        assertThat(result.path("properties").path("status").path("enum").toString())
                .isEqualTo("[\"applied\",\"conflict\",\"parked\",\"discarded\"]");
        assertThat(refOf(result.path("properties").path("record"))).isEqualTo("TableRecord");
        assertThat(refOf(result.path("properties").path("serverRecord"))).isEqualTo("TableRecord");
        assertThat(result.path("properties").has("error")).isTrue();
        assertThat(errorCodes(push)).containsExactlyInAnyOrder("400", "401", "403", "413", "415", "429", "500",
                "503");
    }

    @Test
    void changeStreamIsServerSentEventsWithReadyAndChangeData() {
        JsonNode events = operation("/sync/v1/devices/{deviceId}/events", "get");

        JsonNode ok = events.path("responses").path("200").path("content");
        assertThat(names(ok)).containsExactly("text/event-stream");
        JsonNode event = resolve(ok.path("text/event-stream").path("schema"));
        assertThat(event.path("properties").path("event").path("enum").toString()).isEqualTo("[\"ready\",\"change\"]");
        List<String> data = new ArrayList<>();
        event.path("properties").path("data").path("oneOf").forEach(option -> data.add(refOf(option)));
        assertThat(data).containsExactly("StreamReady", "TableChange");
        assertThat(resolve(schema("TableChange").path("properties").path("at")).path("format").asText())
                .isEqualTo("date-time");
        assertThat(errorCodes(events)).containsExactlyInAnyOrder("400", "401", "403", "429", "500", "503");
    }

    @Test
    void tableOperationsAnswerRecordsAndPages() {
        // A record: the five system properties and the table's columns
        JsonNode record = schema("TableRecord");
        assertThat(names(record.path("properties"))).containsAll(SYSTEM_PROPERTIES);
        assertThat(record.path("additionalProperties").isMissingNode()).as("user columns").isFalse();

        // A query: a v2 array, the v2 counted results, or a v3 page
        JsonNode query = operation("/tables/{table}", "get");
        List<String> pages = new ArrayList<>();
        content(query, "200", "application/json").path("oneOf")
                .forEach(option -> pages.add(
                        option.path("type").asText().equals("array")
                                ? refOf(option.path("items")) + "[]"
                                : refOf(option)));
        assertThat(pages).containsExactly("TableRecord[]", "TablePageV2", "TablePageV3");
        assertThat(names(schema("TablePageV2").path("properties"))).containsExactlyInAnyOrder("results", "count");
        assertThat(names(schema("TablePageV3").path("properties"))).containsExactlyInAnyOrder("items", "count",
                "nextLink");
        assertThat(errorCodes(query)).containsExactlyInAnyOrder("400", "401", "403", "404", "429", "500", "503");

        // Reads and writes of one record answer the record; writes take one as JSON
        Map<String, String> success = Map.of("get /tables/{table}/{id}", "200", "post /tables/{table}", "201",
                "patch /tables/{table}", "200", "patch /tables/{table}/{id}", "200", "put /tables/{table}/{id}", "200",
                "delete /tables/{table}/{id}", "200", "post /tables/{table}/{id}", "201");
        success.forEach((key, code) -> {
            String[] parts = key.split(" ");
            JsonNode operation = operation(parts[1], parts[0]);
            assertThat(refOf(content(operation, code, "application/json"))).as(key).isEqualTo("TableRecord");
            JsonNode body = operation.path("requestBody").path("content");
            if (parts[0].equals("patch") || parts[0].equals("put") || parts[1].equals("/tables/{table}")) {
                assertThat(names(body)).as(key + " body").containsExactly("application/json");
                assertThat(refOf(body.path("application/json").path("schema"))).as(key).isEqualTo("TableRecord");
            }
            // Conflicts answer the server's record
            if (errorCodes(operation).contains("412")) {
                assertThat(refOf(content(operation, "412", "application/json"))).as(key).isEqualTo("TableRecord");
            }
        });
        assertThat(errorCodes(operation("/tables/{table}", "post"))).containsExactlyInAnyOrder("400", "401", "403",
                "404", "409", "413", "415", "429", "500", "503");
        assertThat(errorCodes(operation("/tables/{table}/{id}", "put"))).contains("409", "410", "412", "413", "415");
        assertThat(operation("/tables/{table}/{id}", "delete").path("responses").has("204")).isTrue();
        assertThat(operation("/tables/{table}/{id}", "get").path("responses").has("304")).isTrue();
    }

    @Test
    void everyErrorAnswerIsAProblem() {
        // Every 4xx and 5xx of every operation has a Problem body, but a table protocol's failed precondition, which
        // answers the current record; the table protocol's v2 answers its errors as {"error": ...}; the App Service
        // sign-in endpoints answer theirs as App Service does, {"code": ..., "message": ...}, except the refusals of
        // the HTTP guards and the server's own failures
        List<String> checked = new ArrayList<>();
        document.path("paths").properties().forEach(path -> path.getValue().properties().forEach(op -> {
            String where = op.getKey() + " " + path.getKey();
            boolean tables = path.getKey().startsWith("/tables/");
            boolean signIn = path.getKey().startsWith("/.auth/");
            assertThat(errorCodes(op.getValue())).as(where + " declares its errors").isNotEmpty();
            for (String code : errorCodes(op.getValue())) {
                checked.add(where + " " + code);
                if (tables && code.equals("412")) {
                    continue;
                }
                if (signIn && !code.equals("429") && !code.equals("500")) {
                    assertThat(refOf(content(op.getValue(), code, "application/json"))).as(where + " " + code)
                            .isEqualTo("AuthError");
                    continue;
                }
                assertThat(refOf(content(op.getValue(), code, PROBLEM_JSON))).as(where + " " + code)
                        .isEqualTo("Problem");
                if (tables && (code.equals("400") || code.equals("404"))) {
                    assertThat(refOf(content(op.getValue(), code, "application/json"))).as(where + " " + code + " v2")
                            .isEqualTo("TableError");
                }
            }
        }));
        assertThat(checked).hasSizeGreaterThan(50);
        assertThat(names(schema("Problem").path("properties"))).containsExactlyInAnyOrder("type", "title", "status",
                "detail", "error");
    }

    @Test
    void pullAndPushAnswerOnlyDescribedMembers() throws Exception {
        // Given a record pushed through the native API and pulled back
        String table = "openapi_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String device = "openapi-" + UUID.randomUUID();
        String pushed = given().contentType(ContentType.JSON)
                .body(Map.of("operations", List.of(Map.of("operationId", "op-1", "table", table, "kind", "insert",
                        "item", Map.of("id", "r1", "text", "a")))))
                .post("/sync/v1/devices/{id}/push", device)
                .then()
                .statusCode(200)
                .extract()
                .asString();
        String pulled = given().get("/sync/v1/devices/{id}/pull?table={table}", device, table)
                .then()
                .statusCode(200)
                .extract()
                .asString();

        // Then each member of the answers is one the document describes
        JsonNode result = JSON.readTree(pushed);
        assertThat(names(result)).isSubsetOf(names(schema("PushResult").path("properties")));
        JsonNode operationResult = resolve(schema("PushResult").path("properties").path("results").path("items"));
        assertThat(names(result.path("results").path(0))).isSubsetOf(names(operationResult.path("properties")));
        JsonNode page = JSON.readTree(pulled);
        assertThat(names(page)).isEqualTo(names(schema("PullPage").path("properties")));
        assertThat(names(page.path("changes").path(0))).containsAll(SYSTEM_PROPERTIES).contains("text");
    }

    private static JsonNode operation(String path, String method) {
        JsonNode operation = document.path("paths").path(path).path(method);
        assertThat(operation.isMissingNode()).as(method + " " + path).isFalse();
        return operation;
    }

    private static JsonNode content(JsonNode operation, String code, String mediaType) {
        return response(operation, code).path("content").path(mediaType).path("schema");
    }

    /** An operation's answer with a status, also where the operation refers to an answer several share. */
    private static JsonNode response(JsonNode operation, String code) {
        JsonNode response = operation.path("responses").path(code);
        String ref = response.path("$ref").asText(null);
        return ref == null
                ? response
                : document.path("components").path("responses").path(ref.substring(RESPONSES.length()));
    }

    private static List<String> errorCodes(JsonNode operation) {
        List<String> codes = new ArrayList<>();
        operation.path("responses").fieldNames().forEachRemaining(code -> {
            if (code.compareTo("400") >= 0) {
                codes.add(code);
            }
        });
        return codes;
    }

    private static JsonNode schema(String name) {
        JsonNode schema = document.path("components").path("schemas").path(name);
        assertThat(schema.isMissingNode()).as("schema " + name).isFalse();
        return schema;
    }

    /** The schema itself, or the named schema it refers to. */
    private static JsonNode resolve(JsonNode schema) {
        String ref = refOf(schema);
        return ref == null ? schema : schema(ref);
    }

    private static String refOf(JsonNode schema) {
        String ref = schema.path("$ref").asText(null);
        return ref == null ? null : ref.substring(SCHEMAS.length());
    }

    private static Set<String> names(JsonNode object) {
        Set<String> names = new TreeSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.has("$ref")) {
            refs.add(node.get("$ref").asText());
        }
        Iterator<JsonNode> children = node.elements();
        while (children.hasNext()) {
            collectRefs(children.next(), refs);
        }
    }
}
