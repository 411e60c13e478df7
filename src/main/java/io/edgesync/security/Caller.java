package io.edgesync.security;

import java.util.Optional;
import java.util.Set;

/**
 * Who is calling: the token's subject and roles, or nobody (anonymous).
 *
 * @param subject the authenticated user, empty when anonymous
 * @param roles the user's roles (the token's groups)
 */
public record Caller(Optional<String> subject, Set<String> roles) {

    public static final Caller ANONYMOUS = new Caller(Optional.empty(), Set.of());

    public boolean isAnonymous() {
        return subject.isEmpty();
    }

    public boolean hasRole(String role) {
        return roles.contains(role);
    }
}
