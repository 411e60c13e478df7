package io.edgesync.testsupport;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import io.edgesync.protocol.zumo.ZumoClient;

/**
 * The Azure Mobile Apps JS client's incremental pull, exactly as its {@code sync/pull.js} loops: {@code updatedAt ge W}
 * ordered by {@code updatedAt}, 50 rows a page, {@code $skip} while a page ends at W, W moved to the last row's
 * {@code updatedAt} otherwise, until an empty page. The watermark is kept across pulls.
 */
public final class JsClientPuller {

    /** JSC's initial watermark: {@code new Date(1970, 0, 0)} in a UTC time zone. */
    private static final String EPOCH = "1969-12-31T00:00:00.000Z";
    private static final int PAGE_SIZE = 50;
    private static final int MAX_REQUESTS_PER_PULL = 10_000;

    private final GatewayHttp http;
    private final String table;
    private final Map<String, PulledRow> replica = new HashMap<>();
    private String watermark = EPOCH;
    private int pulls;
    private int requests;

    public JsClientPuller(GatewayHttp http, String table) {
        this.http = http;
        this.table = table;
    }

    /** One whole pull, to its empty page. */
    public void pull() {
        int skip = 0;
        for (int request = 0; request < MAX_REQUESTS_PER_PULL; request++) {
            String query = "$filter=" + ZumoClient.jsc("(updatedAt ge datetimeoffset'" + watermark + "')")
                    + "&$orderby=updatedAt" + (skip > 0 ? "&$skip=" + skip : "") + "&$top=" + PAGE_SIZE
                    + "&__includeDeleted=true";
            HttpResponse<String> response = http.send("GET", "/tables/" + table + "?" + query, ZumoClient.V2, null,
                    null);
            requests++;
            JsonNode page = GatewayHttp.expect(response, 200);
            if (!page.isArray()) {
                throw new AssertionError("v2 pull page is not an array: " + response.body());
            }
            if (page.isEmpty()) {
                pulls++;
                return;
            }
            for (JsonNode item : page) {
                replica.put(item.path("id").asText(), PulledRow.of(item));
            }
            String last = page.get(page.size() - 1).path("updatedAt").asText();
            if (Instant.parse(last).equals(Instant.parse(watermark))) {
                skip += page.size();
            } else {
                watermark = last;
                skip = 0;
            }
        }
        throw new AssertionError("JS client pull did not end within " + MAX_REQUESTS_PER_PULL + " requests");
    }

    public Map<String, PulledRow> replica() {
        return replica;
    }

    public String describe() {
        return "JS client (v2, " + pulls + " pulls, " + requests + " requests)";
    }
}
