package io.edgesync.testsupport;

import java.util.Set;

import io.edgesync.security.DevKeys;
import io.smallrye.jwt.build.Jwt;

/** Tokens for the tests, signed with the test run's key pair (see InfrastructureResource). */
public final class TestTokens {

    private TestTokens() {
    }

    public static String token(String subject, String... roles) {
        return Jwt.issuer(DevKeys.ISSUER)
                .subject(subject)
                .upn(subject)
                .groups(Set.of(roles))
                .expiresIn(3600)
                .sign();
    }
}
