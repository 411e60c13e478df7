package io.edgesync.testsupport;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import io.edgesync.protocol.zumo.ZumoClient;

/**
 * The Datasync (CommunityToolkit) client's pull: no filter the first time, then {@code updatedAt gt T} with the delta
 * token T it moves after every newer row, {@code $count=true}, following {@code nextLink} until it is null.
 */
public final class DatasyncClientPuller {

    private static final int MAX_PAGES_PER_PULL = 10_000;

    private final GatewayHttp http;
    private final String table;
    private final Map<String, PulledRow> replica = new HashMap<>();
    private String token;
    private int pulls;
    private int requests;
    private int multiPagePulls;

    public DatasyncClientPuller(GatewayHttp http, String table) {
        this.http = http;
        this.table = table;
    }

    /** One whole pull, following next links. */
    public void pull() {
        String query = (token == null
                ? ""
                : "$filter=" + ZumoClient.pct("(updatedAt gt cast(" + token + ",Edm.DateTimeOffset))") + "&")
                + "$orderby=updatedAt&$count=true&__includedeleted=true";
        for (int page = 1; page <= MAX_PAGES_PER_PULL; page++) {
            HttpResponse<String> response = http.send("GET", "/tables/" + table + "?" + query, ZumoClient.V3, null,
                    null);
            requests++;
            JsonNode body = GatewayHttp.expect(response, 200);
            if (!body.path("items").isArray()) {
                throw new AssertionError("v3 page without items: " + response.body());
            }
            for (JsonNode item : body.path("items")) {
                PulledRow row = PulledRow.of(item);
                replica.put(item.path("id").asText(), row);
                if (token == null || Instant.parse(row.updatedAt()).isAfter(Instant.parse(token))) {
                    token = row.updatedAt();
                }
            }
            JsonNode nextLink = body.path("nextLink");
            if (nextLink.isNull() || nextLink.isMissingNode()) {
                pulls++;
                if (page > 1) {
                    multiPagePulls++;
                }
                return;
            }
            // The client appends nextLink to the table URL as its query; .NET's Uri escapes stray spaces
            query = nextLink.asText().replace(" ", "%20");
        }
        throw new AssertionError("Datasync client pull did not end within " + MAX_PAGES_PER_PULL + " pages");
    }

    public Map<String, PulledRow> replica() {
        return replica;
    }

    /** Pulls that followed at least one next link. */
    public int multiPagePulls() {
        return multiPagePulls;
    }

    public String describe() {
        return "Datasync client (v3, " + pulls + " pulls, " + requests + " requests, " + multiPagePulls
                + " followed nextLink)";
    }
}
