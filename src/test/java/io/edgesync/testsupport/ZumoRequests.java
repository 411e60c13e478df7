package io.edgesync.testsupport;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

import static io.restassured.RestAssured.given;

/** Requests of a ZUMO 2.0.0 client (the JS SDK's headers) that tests make in a line. */
public final class ZumoRequests {

    private ZumoRequests() {
    }

    /** A JSON request of the installation {@code installation}. */
    public static RequestSpecification zumo(String installation) {
        return given().header("ZUMO-API-VERSION", "2.0.0")
                .header("X-ZUMO-INSTALLATION-ID", installation)
                .contentType(ContentType.JSON);
    }

    /** Inserts {@code {id, text}} into {@code table}; the answer must be a 201, whose version it returns. */
    public static String insertThroughZumo(String installation, String table, String id, String text) {
        return zumo(installation).body("{\"id\":\"" + id + "\",\"text\":\"" + text + "\"}")
                .post("/tables/" + table)
                .then()
                .statusCode(201)
                .extract()
                .path("version");
    }
}
