package io.edgesync.testsupport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.restassured.http.ContentType;

import static io.restassured.RestAssured.given;

/** A device's native push, as the tests send it to the running gateway. */
public final class NativePush {

    private static final ObjectMapper JSON = new ObjectMapper();

    private NativePush() {
    }

    /** Pushes {@code operations} as one batch of {@code device}; the answer must be a 200, whose body it returns. */
    public static JsonNode push(String device, ArrayNode operations) throws JsonProcessingException {
        ObjectNode body = JSON.createObjectNode();
        body.set("operations", operations);
        return JSON.readTree(given().contentType(ContentType.JSON)
                .body(body.toString())
                .post("/sync/v1/devices/{d}/push", device)
                .then()
                .statusCode(200)
                .extract()
                .asString());
    }
}
