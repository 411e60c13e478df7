package io.edgesync.testsupport;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;

import io.edgesync.security.DevKeys;
import io.smallrye.jwt.build.Jwt;

/** Tokens for the tests, signed with the test run's key pair (see InfrastructureResource). */
public final class TestTokens {

    private TestTokens() {
    }

    public static String token(String subject, String... roles) {
        return Jwt.issuer(DevKeys.ISSUER)
                .audience(DevKeys.AUDIENCE)
                .subject(subject)
                .upn(subject)
                .groups(Set.of(roles))
                .expiresIn(3600)
                .sign();
    }

    /** A token from the right issuer, made for another API (another audience). */
    public static String tokenForAnotherApi(String subject) {
        return Jwt.issuer(DevKeys.ISSUER).audience("another-api").subject(subject).upn(subject).expiresIn(3600).sign();
    }

    /** A token that expired {@code ago} before now. */
    public static String expiredToken(String subject, Duration ago) {
        long now = Instant.now().getEpochSecond();
        return Jwt.issuer(DevKeys.ISSUER)
                .audience(DevKeys.AUDIENCE)
                .subject(subject)
                .upn(subject)
                .issuedAt(now - ago.toSeconds() - 600)
                .expiresAt(now - ago.toSeconds())
                .sign();
    }
}
