package io.edgesync.testsupport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

import static io.restassured.RestAssured.given;

/** A device's native push, as the tests send it to the running gateway. */
public final class NativePush {

    private static final ObjectMapper JSON = new ObjectMapper();

    private NativePush() {
    }

    /**
     * One operation of a native push. {@code item} is absent when null (a delete), {@code baseVersion} when null (an
     * insert, or a change without a precondition).
     */
    public static ObjectNode operation(String operationId, String table, String kind, String id, ObjectNode item,
            String baseVersion) {
        ObjectNode operation = JSON.createObjectNode()
                .put("operationId", operationId)
                .put("table", table)
                .put("kind", kind)
                .put("id", id);
        if (item != null) {
            operation.set("item", item);
        }
        if (baseVersion != null) {
            operation.put("baseVersion", baseVersion);
        }
        return operation;
    }

    /** The operations of one batch, in order. */
    public static ArrayNode ops(ObjectNode... operations) {
        ArrayNode batch = JSON.createArrayNode();
        for (ObjectNode operation : operations) {
            batch.add(operation);
        }
        return batch;
    }

    /** Pushes {@code operations} as one batch of {@code device}; the answer must be a 200, whose body it returns. */
    public static JsonNode push(String device, ArrayNode operations) throws JsonProcessingException {
        return push(given(), device, operations);
    }

    /** Pushes {@code operations} as one batch of {@code device}, signed in as {@code user} (a test token). */
    public static JsonNode pushAs(String user, String device, ArrayNode operations) throws JsonProcessingException {
        return push(given().header("Authorization", "Bearer " + TestTokens.token(user)), device, operations);
    }

    private static JsonNode push(RequestSpecification request, String device, ArrayNode operations)
            throws JsonProcessingException {
        ObjectNode body = JSON.createObjectNode();
        body.set("operations", operations);
        return JSON.readTree(request.contentType(ContentType.JSON)
                .body(body.toString())
                .post("/sync/v1/devices/{d}/push", device)
                .then()
                .statusCode(200)
                .extract()
                .asString());
    }
}
