package io.edgesync.protocol.appservice;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgesync.common.DomainException;
import io.edgesync.common.ErrorTable;
import io.edgesync.config.ActiveIn;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.config.Role;
import io.edgesync.security.AccessDeniedException;
import io.edgesync.security.signin.SessionKeys;
import io.edgesync.security.signin.SignInService;
import io.smallrye.common.annotation.Blocking;

/**
 * The App Service authentication endpoints the Azure Mobile Apps clients call to sign in ({@code /.auth/login/...}),
 * and {@code /.auth/me}, {@code /.auth/refresh} and {@code /.auth/logout}, in App Service's shapes, over the OpenID
 * Connect providers configured under {@code edgesync.auth.providers}. Failures answer as App Service does: the status
 * and {@code {"code": ..., "message": ...}}.
 */
@Path("/.auth")
@ActiveIn(Role.EDGE)
@Blocking
@Tag(name = "Sign-in (App Service authentication)")
@APIResponse(responseCode = "429", ref = "TooManyRequests")
@APIResponse(responseCode = "500", ref = "InternalError")
public class AuthResource {

    /** The cookie that keeps a server-directed sign-in's state until the provider sends the browser back. */
    static final String STATE_COOKIE = "EdgeSyncLoginState";
    static final String COOKIE_PATH = "/.auth/login/";
    static final String DONE_PATH = "/.auth/login/done";

    private final SignInService signIn;
    private final SessionKeys keys;
    private final ObjectMapper json;
    private final Optional<String> publicUrl;

    public AuthResource(SignInService signIn, SessionKeys keys, ObjectMapper json, EdgeSyncConfig config) {
        this.signIn = signIn;
        this.keys = keys;
        this.json = json;
        this.publicUrl = config.auth().session().publicUrl();
    }

    /** The user of a sign-in, as App Service shows it. */
    public record User(String userId) {
    }

    /** A sign-in's answer, as App Service gives it. */
    public record LoginResponse(String authenticationToken, User user) {

        static LoginResponse of(SignInService.SignedIn signedIn) {
            return new LoginResponse(signedIn.authenticationToken(), new User(signedIn.userId()));
        }
    }

    /** One claim of {@code /.auth/me}. */
    public record UserClaim(String typ, String val) {
    }

    /** {@code /.auth/me}'s entry for the session: who, through which provider, with the provider's claims. */
    public record MeEntry(String provider_name, String user_id, List<UserClaim> user_claims, String expires_on) {
    }

    /** An error, as App Service gives it. */
    public record AuthError(int code, String message) {
    }

    @POST
    @Path("/login/{provider}")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Sign in with the provider's token (client-directed flow)")
    @RequestBody(description = "The provider's token: {\"id_token\": ...}, {\"access_token\": ...} or"
            + " {\"authorization_code\": ..., \"redirect_uri\": ..., \"code_verifier\": ...}")
    @APIResponse(responseCode = "200", description = "The session token and the user", content = @Content(schema = @Schema(implementation = LoginResponse.class)))
    @APIResponse(responseCode = "400", description = "No token in the body", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AuthError.class)))
    @APIResponse(responseCode = "401", description = "The provider's token is not valid", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AuthError.class)))
    @APIResponse(responseCode = "404", description = "No such provider", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AuthError.class)))
    @APIResponse(responseCode = "503", description = "The provider cannot be reached", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AuthError.class)))
    public LoginResponse signInWithProviderToken(@PathParam("provider") String provider, String body) {
        return LoginResponse.of(signIn.signInWithProviderToken(provider, parse(body)));
    }

    @POST
    @Path("/login")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Sign in again with a session token the app kept")
    @RequestBody(description = "{\"authenticationToken\": ...}")
    @APIResponse(responseCode = "200", description = "The session token and the user", content = @Content(schema = @Schema(implementation = LoginResponse.class)))
    @APIResponse(responseCode = "401", description = "Not a valid session token", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AuthError.class)))
    public LoginResponse signInWithSessionToken(String body) {
        JsonNode token = parse(body).get("authenticationToken");
        if (token == null || !token.isTextual() || token.asText().isBlank()) {
            throw DomainException.invalid("Send {\"authenticationToken\": ...}");
        }
        return LoginResponse.of(signIn.signInWithSessionToken(token.asText()));
    }

    @GET
    @Path("/login/{provider}")
    @Operation(summary = "Sign in through the provider's pages (server-directed flow)")
    @APIResponse(responseCode = "302", description = "To the provider's sign-in page")
    @APIResponse(responseCode = "400", description = "A redirect target or origin that is not allowed", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AuthError.class)))
    @APIResponse(responseCode = "404", description = "No such provider", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AuthError.class)))
    public Response startSignIn(@PathParam("provider") String provider,
            @QueryParam("post_login_redirect_url") String redirectUrl,
            @QueryParam("post_login_redirect_uri") String redirectUri,
            @QueryParam("completion_type") String completionType,
            @QueryParam("completion_origin") String completionOrigin, @Context UriInfo uri,
            @Context HttpHeaders headers) {
        SignInService.Completion completion;
        String target;
        if (completionType != null && !completionType.isBlank()) {
            if (!completionType.equals("postMessage")) {
                throw DomainException.invalid("completion_type '" + completionType
                        + "' is not supported: use postMessage, or a post_login_redirect_url");
            }
            if (completionOrigin == null || !signIn.allowedOrigin(provider, completionOrigin)) {
                throw DomainException.invalid("completion_origin is not an origin of the allowed redirect URLs"
                        + " (edgesync.auth.providers." + provider + ".redirect-urls)");
            }
            completion = SignInService.Completion.POST_MESSAGE;
            target = completionOrigin;
        } else {
            String requested = redirectUrl != null && !redirectUrl.isBlank() ? redirectUrl : redirectUri;
            target = requested == null || requested.isBlank() ? DONE_PATH : requested;
            if (!signIn.allowedRedirect(provider, target)) {
                throw DomainException.invalid("post_login_redirect_url is not one of the allowed redirect URLs"
                        + " (edgesync.auth.providers." + provider + ".redirect-urls)");
            }
            completion = SignInService.Completion.REDIRECT;
        }
        URI callback = base(uri).resolve("/.auth/login/" + encodePath(provider) + "/callback");
        SignInService.Start start = signIn.start(provider, callback, target, completion);
        return Response.status(Response.Status.FOUND)
                .location(start.authorizationUrl())
                .cookie(stateCookie(start.stateCookie(), uri, (int) Duration.ofMinutes(10).toSeconds()))
                .header("Cache-Control", "no-store")
                .build();
    }

    @GET
    @Path("/login/{provider}/callback")
    @Operation(summary = "Where the provider sends the browser back (server-directed flow)")
    @APIResponse(responseCode = "302", description = "To the app's URL, with the result in the fragment")
    @APIResponse(responseCode = "200", description = "The popup's page that hands the result to the app")
    @APIResponse(responseCode = "401", description = "A sign-in that was not started here or took too long", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AuthError.class)))
    public Response finishSignIn(@PathParam("provider") String provider, @QueryParam("code") String code,
            @QueryParam("state") String state, @QueryParam("error") String error,
            @CookieParam(STATE_COOKIE) String cookie, @Context UriInfo uri) {
        SignInService.Finish finish = signIn.finish(provider, Optional.ofNullable(cookie),
                Optional.ofNullable(state), Optional.ofNullable(code), Optional.ofNullable(error));
        NewCookie cleared = stateCookie("", uri, 0);
        Map<String, Object> result = new LinkedHashMap<>();
        finish.signedIn().ifPresent(signedIn -> {
            result.put("authenticationToken", signedIn.authenticationToken());
            result.put("user", new User(signedIn.userId()));
        });
        if (finish.state().completion() == SignInService.Completion.POST_MESSAGE) {
            Map<String, Object> envelope = new LinkedHashMap<>();
            envelope.put("type", "LoginCompleted");
            if (finish.signedIn().isPresent()) {
                envelope.put("oauth", result);
            } else {
                envelope.put("error", finish.error().orElse("access_denied"));
            }
            return Response.ok(LoginPages.popup(toJson(envelope), finish.state().target()), MediaType.TEXT_HTML)
                    .cookie(cleared)
                    .header("Cache-Control", "no-store")
                    .build();
        }
        String fragment = finish.signedIn().isPresent()
                ? "#token=" + URLEncoder.encode(toJson(result), StandardCharsets.UTF_8).replace("+", "%20")
                : "#error=" + finish.error().orElse("access_denied");
        URI target = base(uri).resolve(finish.state().target() + fragment);
        return Response.status(Response.Status.FOUND)
                .location(target)
                .cookie(cleared)
                .header("Cache-Control", "no-store")
                .build();
    }

    @GET
    @Path("/login/done")
    @Produces(MediaType.TEXT_HTML)
    @Operation(summary = "The page a sign-in ends on when the app named none (the token is in the fragment)")
    public String done() {
        return LoginPages.DONE;
    }

    @GET
    @Path("/login/complete.js")
    @Produces("text/javascript")
    @Operation(summary = "The popup page's script that hands the result to the app")
    public String popupScript() {
        return LoginPages.POPUP_SCRIPT;
    }

    @GET
    @Path("/me")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The signed-in user's provider, id and claims")
    @APIResponse(responseCode = "200", description = "One entry, for the session of the token sent", content = @Content(schema = @Schema(implementation = MeEntry[].class)))
    @APIResponse(responseCode = "401", description = "No valid session token", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AuthError.class)))
    public List<MeEntry> me(@HeaderParam("X-ZUMO-AUTH") String zumoAuth,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        SignInService.Me me = signIn.me(sessionToken(zumoAuth, authorization));
        List<UserClaim> claims = new ArrayList<>();
        me.claims().forEach((type, value) -> {
            if (value instanceof List<?> values) {
                values.forEach(each -> claims.add(new UserClaim(type, String.valueOf(each))));
            } else if (value != null && !(value instanceof Map<?, ?>)) {
                claims.add(new UserClaim(type, String.valueOf(value)));
            }
        });
        me.roles().forEach(role -> claims.add(new UserClaim("roles", role)));
        return List.of(new MeEntry(me.provider(), me.userId(), claims, me.expiresAt().toString()));
    }

    @GET
    @Path("/refresh")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A fresh session token while the provider session lasts")
    @APIResponse(responseCode = "200", description = "The new session token and the user", content = @Content(schema = @Schema(implementation = LoginResponse.class)))
    @APIResponse(responseCode = "401", description = "No valid session token, or the provider session ended", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AuthError.class)))
    public LoginResponse refresh(@HeaderParam("X-ZUMO-AUTH") String zumoAuth,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return LoginResponse.of(signIn.refresh(sessionToken(zumoAuth, authorization)));
    }

    @GET
    @Path("/logout")
    @Operation(summary = "Sign out: the session ends and its tokens are refused")
    @APIResponse(responseCode = "302", description = "To post_logout_redirect_uri when allowed, otherwise to the"
            + " sign-out page")
    public Response logout(@HeaderParam("X-ZUMO-AUTH") String zumoAuth,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @QueryParam("post_logout_redirect_uri") String redirect, @Context UriInfo uri) {
        Optional<String> token = optionalSessionToken(zumoAuth, authorization);
        token.ifPresent(signIn::signOut);
        String target = "/.auth/logout/complete";
        if (redirect != null && !redirect.isBlank()) {
            boolean allowed = (redirect.startsWith("/") && !redirect.startsWith("//"))
                    || signIn.allowedRedirectOfAnyProvider(redirect);
            if (!allowed) {
                throw DomainException.invalid("post_logout_redirect_uri is not one of the allowed redirect URLs");
            }
            target = redirect;
        }
        return Response.status(Response.Status.FOUND)
                .location(base(uri).resolve(target))
                .cookie(stateCookie("", uri, 0))
                .header("Cache-Control", "no-store")
                .build();
    }

    @GET
    @Path("/logout/complete")
    @Produces(MediaType.TEXT_HTML)
    @Operation(summary = "The page a sign-out ends on")
    public String loggedOut() {
        return LoginPages.LOGGED_OUT;
    }

    @GET
    @Path("/keys")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The public keys of the session tokens (a JSON Web Key Set), for services that verify them")
    public Map<String, Object> sessionKeys() {
        return keys.jwks();
    }

    @ServerExceptionMapper
    public Response mapDomainException(DomainException e) {
        int status = ErrorTable.status(e.kind());
        Response.ResponseBuilder response = Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(new AuthError(status, e.getMessage()));
        if (e.kind() == DomainException.Kind.UNAUTHENTICATED) {
            response.header("WWW-Authenticate", "Bearer");
        }
        e.retryAfterSeconds().ifPresent(seconds -> response.header("Retry-After", seconds));
        return response.build();
    }

    private String sessionToken(String zumoAuth, String authorization) {
        return optionalSessionToken(zumoAuth, authorization).orElseThrow(() -> new AccessDeniedException(
                DomainException.Kind.UNAUTHENTICATED, "Send the session token as X-ZUMO-AUTH"));
    }

    /** The token of the request: X-ZUMO-AUTH, or the bearer token (the HTTP guards copy the one into the other). */
    private static Optional<String> optionalSessionToken(String zumoAuth, String authorization) {
        if (zumoAuth != null && !zumoAuth.isBlank()) {
            return Optional.of(zumoAuth.trim());
        }
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.of(authorization.substring(7).trim()).filter(token -> !token.isEmpty());
        }
        return Optional.empty();
    }

    private JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            throw DomainException.invalid("The body is empty: send the token as JSON");
        }
        try {
            JsonNode node = json.readTree(body);
            if (node == null || !node.isObject()) {
                throw DomainException.invalid("The body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw DomainException.invalid("The body is not valid JSON");
        }
    }

    private String toJson(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A sign-in result cannot be written", e);
        }
    }

    private URI base(UriInfo uri) {
        return publicUrl.map(url -> URI.create(url.endsWith("/") ? url : url + "/")).orElse(uri.getBaseUri());
    }

    private NewCookie stateCookie(String value, UriInfo uri, int maxAge) {
        return new NewCookie.Builder(STATE_COOKIE)
                .value(value)
                .path(COOKIE_PATH)
                .maxAge(maxAge)
                .httpOnly(true)
                .secure("https".equalsIgnoreCase(base(uri).getScheme()))
                .sameSite(NewCookie.SameSite.LAX)
                .build();
    }

    private static String encodePath(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
