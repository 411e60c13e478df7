package io.edgesync.common;

import java.util.OptionalInt;

/**
 * A failure the caller can act on, with a message that is safe to show: what kind of failure it is, never how a
 * protocol reports it. Each surface maps the kind through {@link ErrorTable}: the table protocol to its own shapes,
 * every other surface to {@code application/problem+json}.
 */
public class DomainException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What went wrong, as the caller needs to know it. */
    public enum Kind {
        /** The request itself is wrong: a value, a parameter, a query, an item. */
        INVALID,
        /** No or invalid credentials. */
        UNAUTHENTICATED,
        /** The caller may not do this. */
        FORBIDDEN,
        /** What the request names does not exist. */
        NOT_FOUND,
        /** The current state does not allow it (a parked operation before this one, an open conflict). */
        CONFLICT,
        /** What the caller holds is too old to continue from: it must start over (a full resync). */
        EXPIRED,
        /** The request or an item in it is larger than the limit. */
        TOO_LARGE,
        /** The caller has too many of something open or too many requests. */
        TOO_MANY,
        /** A dependency or an internal state the answer needs is not there yet; try again later. */
        UNAVAILABLE
    }

    private final Kind kind;

    public DomainException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** Seconds after which the caller may try again ({@code Retry-After}), for a temporary failure. */
    public OptionalInt retryAfterSeconds() {
        return OptionalInt.empty();
    }

    /** The problem type URI of the error body; {@code about:blank} unless a caller must tell this error apart. */
    public String problemType() {
        return "about:blank";
    }

    public static DomainException invalid(String message) {
        return new DomainException(Kind.INVALID, message);
    }

    public static DomainException notFound(String message) {
        return new DomainException(Kind.NOT_FOUND, message);
    }

    public static DomainException conflict(String message) {
        return new DomainException(Kind.CONFLICT, message);
    }

    public static DomainException tooLarge(String message) {
        return new DomainException(Kind.TOO_LARGE, message);
    }

    public static DomainException tooMany(String message) {
        return new DomainException(Kind.TOO_MANY, message);
    }
}
