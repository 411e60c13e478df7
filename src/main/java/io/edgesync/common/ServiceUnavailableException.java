package io.edgesync.common;

import java.util.OptionalInt;

/** A dependency or an internal state the answer needs is not there yet: unavailable, with {@code Retry-After}. */
public class ServiceUnavailableException extends DomainException {

    private static final long serialVersionUID = 1L;

    private final int retryAfterSeconds;

    public ServiceUnavailableException(String message, int retryAfterSeconds) {
        super(Kind.UNAVAILABLE, message);
        this.retryAfterSeconds = Math.max(1, retryAfterSeconds);
    }

    @Override
    public OptionalInt retryAfterSeconds() {
        return OptionalInt.of(retryAfterSeconds);
    }
}
