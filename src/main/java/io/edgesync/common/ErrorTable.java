package io.edgesync.common;

import java.util.Optional;

import io.edgesync.odata.ODataException;

/**
 * The one table from failures to HTTP statuses. Services throw {@link DomainException}s (or the OData and item
 * validation failures, which are the caller's mistakes); every surface asks this table which status a failure is, and
 * only the shape of the body differs between them (the table protocol's own, problem+json elsewhere).
 */
public final class ErrorTable {

    private ErrorTable() {
    }

    /** The HTTP status of a kind of failure. */
    public static int status(DomainException.Kind kind) {
        return switch (kind) {
            case INVALID -> 400;
            case UNAUTHENTICATED -> 401;
            case FORBIDDEN -> 403;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case EXPIRED -> 410;
            case TOO_LARGE -> 413;
            case TOO_MANY -> 429;
            case UNAVAILABLE -> 503;
        };
    }

    /**
     * The failure as one the caller can act on, when it is one: a {@link DomainException} as it is, an OData query that
     * is not valid as {@link DomainException.Kind#INVALID} (the OData library knows nothing of the project). Anything
     * else is the server's own failure (or the database's, which {@link DatabaseErrors} classifies).
     */
    public static Optional<DomainException> callerFailure(Throwable failure) {
        if (failure instanceof DomainException domain) {
            return Optional.of(domain);
        }
        if (failure instanceof ODataException) {
            return Optional.of(DomainException.invalid(failure.getMessage()));
        }
        return Optional.empty();
    }
}
