package io.edgesync.scope;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.ProtocolDates;
import io.edgesync.config.EdgeSyncConfig;
import io.smallrye.mutiny.Uni;

/**
 * The central role's API for edges over HTTP ({@code GET /central/v1/tables/{table}/rows}), at
 * {@code edgesync.edge.central.url} with this edge's token ({@code edgesync.edge.central.token}).
 */
@ApplicationScoped
public class CentralRowsClient implements MasterRowsSource {

    /** A call to central that did not answer a page. */
    public static final class CentralUnavailableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CentralUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final EdgeSyncConfig.CentralApi settings;
    private final ObjectMapper json;
    private final HttpClient http;
    private final Optional<String> configuredUrl;

    public CentralRowsClient(EdgeSyncConfig config, ObjectMapper json) {
        this.settings = config.edge().central();
        this.json = json;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(settings.timeoutSeconds())).build();
        this.configuredUrl = settings.url().map(CentralRowsClient::withoutTrailingSlash);
    }

    /** Whether a base URL is configured. */
    public boolean configured() {
        return configuredUrl.isPresent();
    }

    /** The names of the tables central holds rows of. */
    public Uni<List<String>> tables() {
        return get("/central/v1/tables").map(body -> {
            List<String> names = new ArrayList<>();
            read(body).path("tables").forEach(name -> names.add(name.asText()));
            return names;
        });
    }

    @Override
    public Uni<Page> page(String table, long after, int limit, Query query) {
        return get("/central/v1/tables/" + URLEncoder.encode(table, StandardCharsets.UTF_8) + "/rows?after=" + after
                + "&limit=" + limit
                + query.filter()
                        .map(filter -> "&filter=" + URLEncoder.encode(filter, StandardCharsets.UTF_8))
                        .orElse("")
                + query.owner().map(owner -> "&owners=" + URLEncoder.encode(owner, StandardCharsets.UTF_8)).orElse(""))
                .map(this::parse);
    }

    /** The body of central's 200 answer to a GET of {@code pathAndQuery}. */
    private Uni<String> get(String pathAndQuery) {
        Optional<String> configured = configuredUrl;
        if (configured.isEmpty()) {
            return Uni.createFrom()
                    .failure(new CentralUnavailableException("edgesync.edge.central.url is not set", null));
        }
        String base = configured.get();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                .timeout(Duration.ofSeconds(settings.timeoutSeconds()))
                .header("Accept", "application/json")
                .GET();
        settings.token().ifPresent(token -> request.header("Authorization", "Bearer " + token));
        return Uni.createFrom()
                .completionStage(() -> http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()))
                .onFailure()
                .transform(e -> new CentralUnavailableException("central at " + base + " did not answer: " + e, e))
                .map(response -> {
                    if (response.statusCode() != 200) {
                        String body = response.body();
                        throw new CentralUnavailableException("central at " + base + " answered "
                                + response.statusCode() + ": " + body.substring(0, Math.min(200, body.length())),
                                null);
                    }
                    return response.body();
                });
    }

    private JsonNode read(String body) {
        try {
            return json.readTree(body);
        } catch (IOException e) {
            throw new CentralUnavailableException("central answered something that is not JSON: " + e.getMessage(),
                    e);
        }
    }

    private Page parse(String body) {
        try {
            JsonNode page = read(body);
            List<MasterRow> rows = new ArrayList<>();
            for (JsonNode row : page.path("rows")) {
                rows.add(new MasterRow(row.path("id").asText(), (ObjectNode) row.path("data"),
                        row.path("version").asText(), row.path("deleted").asBoolean(),
                        ProtocolDates.parse(row.path("createdAt").asText()),
                        ProtocolDates.parse(row.path("updatedAt").asText()),
                        Optional.ofNullable(row.path("owner").textValue()), row.path("position").asLong()));
            }
            JsonNode next = page.path("next");
            return new Page(rows, next.canConvertToLong() ? Optional.of(next.asLong()) : Optional.empty());
        } catch (RuntimeException e) {
            throw new CentralUnavailableException("central answered a page that is not one: " + e.getMessage(), e);
        }
    }

    private static String withoutTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
