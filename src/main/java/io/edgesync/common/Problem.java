package io.edgesync.common;

import java.nio.charset.StandardCharsets;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** An RFC 9457 problem document, the error body of every endpoint outside the table protocol. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "Problem", description = "An RFC 9457 problem document (application/problem+json)")
public record Problem(
        @Schema(description = "The problem type: about:blank, or a URN a client tells apart (such as"
                + " urn:edgesync:problem:resync-required)", required = true) String type,
        @Schema(description = "The HTTP status's reason phrase", required = true) String title,
        @Schema(description = "The HTTP status", required = true) int status,
        @Schema(description = "What went wrong, safe to show to the user", required = true) String detail) {

    public static final String MEDIA_TYPE = "application/problem+json";

    /**
     * The detail again, as the table protocol's {@code error} member: every error body of the gateway carries the
     * message where each kind of client reads it.
     */
    @JsonProperty("error")
    @Schema(description = "The detail again, where table-protocol clients read it", required = true)
    public String error() {
        return detail;
    }

    public static Problem of(Response.Status status, String detail) {
        return new Problem("about:blank", status.getReasonPhrase(), status.getStatusCode(), detail);
    }

    public static Problem of(int status, String detail) {
        Response.StatusType type = Response.Status.fromStatusCode(status);
        String title = type == null ? "Error" : type.getReasonPhrase();
        return new Problem("about:blank", title, status, detail);
    }

    /**
     * This problem as JSON text with the table protocol's {@code error} member as well, for answers given before any
     * endpoint runs, when the caller's protocol is not known yet: every client finds the message it reads.
     */
    public String toJsonForEveryClient() {
        return "{\"type\":" + quote(type) + ",\"title\":" + quote(title) + ",\"status\":" + status + ",\"detail\":"
                + quote(detail) + ",\"error\":" + quote(detail) + "}";
    }

    /** {@link #toJsonForEveryClient()} as a response. */
    public Response toResponseForEveryClient() {
        byte[] body = toJsonForEveryClient().getBytes(StandardCharsets.UTF_8);
        return Response.status(status)
                .type(MEDIA_TYPE)
                .header(HttpHeaders.CONTENT_LENGTH, body.length)
                .entity(body)
                .build();
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
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

    public Response toResponse() {
        return Response.status(status).type(MediaType.valueOf(MEDIA_TYPE)).entity(this).build();
    }
}
