package io.edgesync.security;

import io.edgesync.common.DomainException;

/** No or invalid credentials, or not allowed; the message is safe to show. */
public class AccessDeniedException extends DomainException {

    private static final long serialVersionUID = 1L;

    public AccessDeniedException(Kind kind, String message) {
        super(kind, message);
    }

    public static AccessDeniedException unauthenticated() {
        return new AccessDeniedException(Kind.UNAUTHENTICATED,
                "Authentication required: send a bearer token (Authorization or"
                        + " X-ZUMO-AUTH)");
    }

    public static AccessDeniedException forbidden(String message) {
        return new AccessDeniedException(Kind.FORBIDDEN, message);
    }
}
