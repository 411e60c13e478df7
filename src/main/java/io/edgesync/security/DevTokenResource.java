package io.edgesync.security;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.edgesync.common.DomainException;
import io.edgesync.common.Problem;
import io.edgesync.config.EdgeSyncConfig;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.jwt.build.Jwt;

/**
 * Development tokens for the local default: {@code POST /dev/tokens {"subject":"alice","roles":["admin"]}} signs a
 * token with the local key pair. Answers 404 unless {@code edgesync.security.dev-tokens} is on and the gateway runs in
 * anonymous mode ({@code edgesync.security.anonymous}, the local default): turning anonymous access off closes it, also
 * where a profile switched development tokens on.
 */
@Path("/dev/tokens")
@Tag(name = "Development")
public class DevTokenResource {

    private final boolean enabled;
    private final String audience;

    public DevTokenResource(EdgeSyncConfig config,
            @ConfigProperty(name = "mp.jwt.verify.audiences") Optional<List<String>> audiences) {
        this.enabled = enabled(config.security());
        this.audience = audiences.filter(list -> !list.isEmpty()).map(list -> list.get(0)).orElse(DevKeys.AUDIENCE);
    }

    /** Whether development tokens are minted: asked for, and in anonymous mode, where anyone may do anything anyway. */
    public static boolean enabled(EdgeSyncConfig.Security security) {
        return security.devTokens() && security.anonymous();
    }

    /** What to put in the token. */
    public record TokenRequest(String subject, List<String> roles, Long validSeconds) {
    }

    /** The signed token. */
    public record TokenResponse(String token, String subject, Set<String> roles, long expiresIn) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    @Operation(summary = "Sign a development token (local default only)")
    @APIResponse(responseCode = "200", description = "The signed token")
    @APIResponse(responseCode = "400", description = "No subject, or not valid JSON", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "404", description = "Development tokens are off", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "413", description = "The body is larger than the limit", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "415", description = "The body is not JSON", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "500", ref = "InternalError")
    public TokenResponse mintToken(TokenRequest request) {
        if (!enabled) {
            throw DomainException.notFound("No such resource");
        }
        if (request == null || request.subject() == null || request.subject().isBlank()
                || request.subject().length() > 255) {
            throw DomainException.invalid("Give the token's subject: {\"subject\":\"alice\",\"roles\":[\"admin\"]}");
        }
        Set<String> roles = request.roles() == null ? Set.of() : Set.copyOf(request.roles());
        long validity = request.validSeconds() == null
                ? Duration.ofHours(12).toSeconds()
                : Math.max(1, Math.min(request.validSeconds(), Duration.ofDays(30).toSeconds()));
        String token = Jwt.issuer(DevKeys.ISSUER)
                .audience(audience)
                .subject(request.subject())
                .upn(request.subject())
                .groups(roles)
                .expiresIn(validity)
                .sign();
        return new TokenResponse(token, request.subject(), roles, validity);
    }
}
