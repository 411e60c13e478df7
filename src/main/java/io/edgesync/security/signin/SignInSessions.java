package io.edgesync.security.signin;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/** The owner of {@code auth_session}: the sessions sign-ins open. */
@ApplicationScoped
public class SignInSessions {

    private final Pool pool;
    private final ObjectMapper json;

    public SignInSessions(Pool pool, ObjectMapper json) {
        this.pool = pool;
        this.json = json;
    }

    /** Stores a new session. */
    public Uni<Void> insert(SignInSession session) {
        return pool.preparedQuery("""
                INSERT INTO auth_session (session_id, provider, user_id, roles, claims, refresh_token,
                                          provider_expires_at)
                VALUES ($1, $2, $3, $4, $5::text::jsonb, $6, $7)""")
                // (the claims go as text: a string parameter of a jsonb column would be stored as a JSON string)
                .execute(Tuple.tuple()
                        .addString(session.sessionId())
                        .addString(session.provider())
                        .addString(session.userId())
                        .addArrayOfString(session.roles().toArray(String[]::new))
                        .addString(toJson(session.claims()))
                        .addString(session.refreshToken().orElse(null))
                        .addOffsetDateTime(session.providerExpiresAt().map(SignInSessions::utc).orElse(null)))
                .replaceWithVoid();
    }

    /** The session {@code sessionId}, unless it was ended. */
    public Uni<Optional<SignInSession>> findOpen(String sessionId) {
        return pool.preparedQuery("""
                SELECT session_id, provider, user_id, roles, claims::text, refresh_token, provider_expires_at
                FROM auth_session WHERE session_id = $1 AND ended_at IS NULL""")
                .execute(Tuple.of(sessionId))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(decode(rows.iterator().next())));
    }

    /** Records a refresh: the provider's new refresh token and expiry, when it gave them, and the roles now. */
    public Uni<Void> refreshed(String sessionId, Optional<String> refreshToken, Optional<Instant> providerExpiresAt,
            List<String> roles) {
        return pool.preparedQuery("""
                UPDATE auth_session SET refreshed_at = now(), refresh_token = coalesce($2, refresh_token),
                       provider_expires_at = coalesce($3, provider_expires_at), roles = $4
                WHERE session_id = $1""")
                .execute(Tuple.of(sessionId, refreshToken.orElse(null),
                        providerExpiresAt.map(SignInSessions::utc).orElse(null), roles.toArray(String[]::new)))
                .replaceWithVoid();
    }

    /** Ends a session (a sign-out): it can no longer be refreshed and its tokens are refused. */
    public Uni<Void> end(String sessionId) {
        return pool.preparedQuery("""
                UPDATE auth_session SET ended_at = now(), refresh_token = NULL
                WHERE session_id = $1 AND ended_at IS NULL""")
                .execute(Tuple.of(sessionId))
                .replaceWithVoid();
    }

    private SignInSession decode(Row row) {
        Map<String, Object> claims;
        try {
            claims = json.readValue(row.getString(4), new TypeReference<Map<String, Object>>() {
            });
        } catch (JsonProcessingException e) {
            claims = Map.of();
        }
        return new SignInSession(row.getString(0), row.getString(1), row.getString(2),
                Arrays.asList(row.getArrayOfStrings(3)), claims, Optional.ofNullable(row.getString(5)),
                Optional.ofNullable(row.getOffsetDateTime(6)).map(OffsetDateTime::toInstant));
    }

    private String toJson(Map<String, Object> claims) {
        try {
            return json.writeValueAsString(claims);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("The provider's claims cannot be stored", e);
        }
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
