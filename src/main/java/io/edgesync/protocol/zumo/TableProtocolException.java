package io.edgesync.protocol.zumo;

import java.util.OptionalInt;

/**
 * A table-protocol error with its status and a message safe to show to the client. Rendered as {@code {"error": ...}}
 * for v2 (and when the version is unknown), as {@code application/problem+json} for v3.
 */
public class TableProtocolException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final ProtocolVersion version;
    private final OptionalInt retryAfterSeconds;

    public TableProtocolException(ProtocolVersion version, int status, String message) {
        this(version, status, message, OptionalInt.empty());
    }

    /** A temporary failure: the answer says when to try again ({@code Retry-After}). */
    public TableProtocolException(ProtocolVersion version, int status, String message,
            OptionalInt retryAfterSeconds) {
        super(message, null, false, false);
        this.version = version;
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static TableProtocolException invalidVersion(String message) {
        return new TableProtocolException(null, 400, message);
    }

    public int status() {
        return status;
    }

    /** The protocol of the request, or null when it could not be determined. */
    public ProtocolVersion version() {
        return version;
    }

    /** Seconds after which the client may try again, for a temporary failure. */
    public OptionalInt retryAfterSeconds() {
        return retryAfterSeconds;
    }

    TableProtocolException in(ProtocolVersion requestVersion) {
        return version != null
                ? this
                : new TableProtocolException(requestVersion, status, getMessage(), retryAfterSeconds);
    }
}
