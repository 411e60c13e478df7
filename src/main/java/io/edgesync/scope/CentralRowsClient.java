package io.edgesync.scope;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.config.OwnAddress;
import io.smallrye.mutiny.Uni;

/**
 * The central role's API for edges over HTTP ({@code GET /central/v1/tables/{table}/rows}), with this edge's token.
 * Without {@code edgesync.edge.central.url} it calls this process (role {@code all}) once its HTTP server is up.
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
    private volatile boolean ownProcess;

    public CentralRowsClient(EdgeSyncConfig config, ObjectMapper json) {
        this.settings = config.edge().central();
        this.json = json;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(settings.timeoutSeconds())).build();
        this.configuredUrl = settings.url().map(CentralRowsClient::withoutTrailingSlash);
    }

    /** Whether a base URL is known (configured, or this process's own port in role {@code all}). */
    public boolean configured() {
        return baseUrl().isPresent();
    }

    /**
     * Calls this process when no URL is configured (role {@code all}), at the port its HTTP server listens on when the
     * call is made (a server configured with port 0 picks one when it starts).
     */
    void callOwnProcess() {
        ownProcess = true;
    }

    private Optional<String> baseUrl() {
        return configuredUrl.or(() -> ownProcess ? Optional.of(OwnAddress.baseUrl()) : Optional.empty());
    }

    @Override
    public Uni<Page> page(String table, long after, int limit, String filter) {
        Optional<String> configured = baseUrl();
        if (configured.isEmpty()) {
            return Uni.createFrom()
                    .failure(new CentralUnavailableException("edgesync.edge.central.url is not set", null));
        }
        String base = configured.get();
        URI uri = URI.create(base + "/central/v1/tables/" + URLEncoder.encode(table, StandardCharsets.UTF_8)
                + "/rows?after=" + after + "&limit=" + limit + "&filter="
                + URLEncoder.encode(filter, StandardCharsets.UTF_8));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
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
                    return parse(response.body());
                });
    }

    private Page parse(String body) {
        try {
            JsonNode page = json.readTree(body);
            List<MasterRow> rows = new ArrayList<>();
            for (JsonNode row : page.path("rows")) {
                rows.add(new MasterRow(row.path("id").asText(), (ObjectNode) row.path("data"),
                        row.path("version").asText(), row.path("deleted").asBoolean(),
                        Instant.parse(row.path("createdAt").asText()), Instant.parse(row.path("updatedAt").asText()),
                        Optional.ofNullable(row.path("owner").textValue()), row.path("position").asLong()));
            }
            JsonNode next = page.path("next");
            return new Page(rows, next.canConvertToLong() ? Optional.of(next.asLong()) : Optional.empty());
        } catch (IOException | RuntimeException e) {
            throw new CentralUnavailableException("central answered a page that is not one: " + e.getMessage(), e);
        }
    }

    private static String withoutTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
