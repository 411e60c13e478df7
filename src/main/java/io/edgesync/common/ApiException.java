package io.edgesync.common;

import java.util.OptionalInt;

/** A failure with a status and a message that is safe to show to the caller. */
public class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    public ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    /** Seconds after which the caller may try again ({@code Retry-After}), for a temporary failure. */
    public OptionalInt retryAfterSeconds() {
        return OptionalInt.empty();
    }

    /** The problem type URI of the error body; {@code about:blank} unless a caller must tell this error apart. */
    public String problemType() {
        return "about:blank";
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, message);
    }
}
