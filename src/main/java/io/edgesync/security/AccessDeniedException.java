package io.edgesync.security;

import io.edgesync.common.ApiException;

/** 401 (no or invalid credentials) or 403 (not allowed); the message is safe to show. */
public class AccessDeniedException extends ApiException {

    private static final long serialVersionUID = 1L;

    public AccessDeniedException(int status, String message) {
        super(status, message);
    }

    public static AccessDeniedException unauthenticated() {
        return new AccessDeniedException(401, "Authentication required: send a bearer token (Authorization or"
                + " X-ZUMO-AUTH)");
    }

    public static AccessDeniedException forbidden(String message) {
        return new AccessDeniedException(403, message);
    }
}
