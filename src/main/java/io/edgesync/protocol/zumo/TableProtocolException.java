package io.edgesync.protocol.zumo;

/**
 * A table-protocol error with its status and a message safe to show to the client. Rendered as {@code {"error": ...}}
 * for v2 (and when the version is unknown), as {@code application/problem+json} for v3.
 */
public class TableProtocolException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final ProtocolVersion version;

    public TableProtocolException(ProtocolVersion version, int status, String message) {
        super(message, null, false, false);
        this.version = version;
        this.status = status;
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

    TableProtocolException in(ProtocolVersion requestVersion) {
        return version != null ? this : new TableProtocolException(requestVersion, status, getMessage());
    }
}
