package io.edgesync.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A plain HTTP/1.1 client of the running gateway for tests with many threads (REST Assured's static configuration is
 * not made for that): requests with the table protocol's version header, JSON answers.
 */
public final class GatewayHttp {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    public GatewayHttp(URI root) {
        this.base = root.toString().replaceAll("/+$", "");
    }

    /** Sends a request; {@code version} is the ZUMO-API-VERSION header (none when null). */
    public HttpResponse<String> send(String method, String pathAndQuery, String version, String ifMatch,
            String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                .timeout(Duration.ofSeconds(30));
        if (version != null) {
            request.header("ZUMO-API-VERSION", version);
        }
        if (ifMatch != null) {
            request.header("If-Match", ifMatch);
        }
        if (body != null) {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + pathAndQuery, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + method + " " + pathAndQuery, e);
        }
    }

    /** The answer's JSON body, once its status is {@code status}. */
    public static JsonNode expect(HttpResponse<String> response, int status) {
        if (response.statusCode() != status) {
            throw new AssertionError("expected " + status + ": " + describe(response));
        }
        return parse(response);
    }

    public static JsonNode parse(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + describe(response), e);
        }
    }

    public static AssertionError unexpected(HttpResponse<String> response) {
        return new AssertionError("unexpected answer: " + describe(response));
    }

    public static String describe(HttpResponse<String> response) {
        return response.request().method() + " " + response.request().uri() + " -> " + response.statusCode() + " "
                + response.body();
    }
}
