package io.edgesync.protocol.zumo;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

import static io.edgesync.protocol.zumo.ConformanceFixtures.undeleteV2;
import static io.edgesync.protocol.zumo.ZumoClient.V2;
import static io.edgesync.protocol.zumo.ZumoClient.V3;
import static io.edgesync.protocol.zumo.ZumoClient.assertItemResponse;
import static io.edgesync.protocol.zumo.ZumoClient.assertSuccessBody;
import static io.edgesync.protocol.zumo.ZumoClient.deleteV2;
import static io.edgesync.protocol.zumo.ZumoClient.freshTable;
import static io.edgesync.protocol.zumo.ZumoClient.hexId;
import static io.edgesync.protocol.zumo.ZumoClient.insertV2;
import static io.edgesync.protocol.zumo.ZumoClient.jsc;
import static io.edgesync.protocol.zumo.ZumoClient.json;
import static io.edgesync.protocol.zumo.ZumoClient.list;
import static io.edgesync.protocol.zumo.ZumoClient.object;
import static io.edgesync.protocol.zumo.ZumoClient.patchV2;
import static io.edgesync.protocol.zumo.ZumoClient.readV2;
import static io.edgesync.protocol.zumo.ZumoClient.readV3;
import static io.edgesync.protocol.zumo.ZumoClient.v3;
import static org.assertj.core.api.Assertions.assertThat;

/** Case 57 of docs/protocol.md section 8: every 2xx item/list response. */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class ZumoResponseShapeTest {

    @Test
    void case57_everySuccessResponseHasMillisecondUtcDatesAndContentLength() {
        // Given a fresh table with a live row and a tombstone, written through v2 (each helper checks its response)
        String table = freshTable();
        String live = insertV2(table, object("id", "l" + hexId(), "text", "live", "complete", false)).path("id")
                .asText();
        String gone = insertV2(table, object("id", "g" + hexId(), "text", "gone", "complete", true)).path("id")
                .asText();
        patchV2(table, live, object("id", live, "text", "live2"));
        deleteV2(table, gone);
        readV2(table, live);
        readV3(table, live);

        // When it is listed in every shape
        List<Response> lists = List.of(
                list(V2, table, "__includeDeleted=true"),
                list(V2, table, "$inlinecount=allpages&__includeDeleted=true"),
                list(V2, table, "$filter=" + jsc("(updatedAt ge datetimeoffset'1969-12-31T00:00:00.000Z')")
                        + "&$orderby=updatedAt&$top=50&__includeDeleted=true"),
                list(V3, table, "$count=true&__includedeleted=true"),
                list(V3, table, "$orderby=updatedAt&__includedeleted=true"));

        // Then every response has a Content-Length and every date three fraction digits and Z
        for (Response response : lists) {
            assertThat(response.statusCode()).as("status of %s", response.asString()).isEqualTo(200);
            JsonNode body = json(response);
            assertSuccessBody(response, body);
            assertThat(body.toString()).contains(live, gone);
        }
        // And undelete and v3 replace answer the same way
        JsonNode undeleted = undeleteV2(table, gone);
        ObjectNode entity = undeleted.deepCopy();
        entity.put("text", "back");
        Response replaced = v3().contentType(ContentType.JSON)
                .body(entity.toString())
                .when()
                .put("/tables/{table}/{id}", table, gone);
        assertThat(replaced.statusCode()).as("status of %s", replaced.asString()).isEqualTo(200);
        assertItemResponse(replaced, json(replaced));
    }
}
