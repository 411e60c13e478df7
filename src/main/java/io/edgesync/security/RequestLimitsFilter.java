package io.edgesync.security;

import java.nio.charset.StandardCharsets;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.edgesync.config.EdgeSyncConfig;

/**
 * Refuses bodies over {@code edgesync.limits.max-body-bytes} before they are read, with a JSON error every client
 * understands: the problem fields plus the {@code error} member the table-protocol clients read.
 */
public class RequestLimitsFilter {

    private final int maxBodyBytes;

    public RequestLimitsFilter(EdgeSyncConfig config) {
        this.maxBodyBytes = config.limits().maxBodyBytes();
    }

    @ServerRequestFilter(preMatching = true)
    public Response limitBodySize(ContainerRequestContext request) {
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (length == null) {
            return null;
        }
        long bytes;
        try {
            bytes = Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return error(400, "Invalid Content-Length");
        }
        return bytes > maxBodyBytes ? error(413, "The request body is larger than " + maxBodyBytes + " bytes") : null;
    }

    /** An error body with both the problem fields and the table protocol's {@code error} member. */
    static Response error(int status, String message) {
        Response.StatusType type = Response.Status.fromStatusCode(status);
        String title = type == null ? "Error" : type.getReasonPhrase();
        String body = "{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + status + ",\"detail\":"
                + quote(message) + ",\"error\":" + quote(message) + "}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return Response.status(status)
                .type("application/problem+json")
                .header(HttpHeaders.CONTENT_LENGTH, bytes.length)
                .entity(bytes)
                .build();
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
