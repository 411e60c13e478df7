package io.edgesync.testsupport;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A native client's pull: {@code GET /sync/v1/devices/{id}/pull} with the token of its last page until {@code hasMore}
 * is false. Remembers every (id, version) it was given, so a change delivered twice shows.
 */
public final class NativeClientPuller {

    private final GatewayHttp http;
    private final String table;
    private final String device;
    private final int pageSize;
    private final Map<String, PulledRow> replica = new HashMap<>();
    private final Set<String> delivered = new HashSet<>();
    private final List<String> repeats = new ArrayList<>();
    private String token;
    private int pulls;
    private int requests;

    public NativeClientPuller(GatewayHttp http, String table, String device, int pageSize) {
        this.http = http;
        this.table = table;
        this.device = device;
        this.pageSize = pageSize;
    }

    /** One whole pull, to the page without more. */
    public void pull() {
        while (true) {
            String query = "table=" + table + "&limit=" + pageSize
                    + (token == null ? "" : "&token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
            HttpResponse<String> response = http.send("GET", "/sync/v1/devices/" + device + "/pull?" + query, null,
                    null, null);
            requests++;
            JsonNode body = GatewayHttp.expect(response, 200);
            for (JsonNode change : body.path("changes")) {
                String id = change.path("id").asText();
                String version = change.path("version").asText();
                if (!delivered.add(id + "@" + version)) {
                    repeats.add(id + "@" + version);
                }
                replica.put(id, new PulledRow(version, change.path("deleted").asBoolean(), ""));
            }
            token = body.path("token").asText();
            if (!body.path("hasMore").asBoolean()) {
                pulls++;
                return;
            }
        }
    }

    public Map<String, PulledRow> replica() {
        return replica;
    }

    /** Changes (id@version) delivered more than once. */
    public List<String> repeats() {
        return repeats;
    }

    public String describe() {
        return "native client (" + pulls + " pulls, " + requests + " requests)";
    }
}
