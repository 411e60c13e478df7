package io.edgesync.security.devoidc;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import jakarta.inject.Singleton;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;

import io.edgesync.common.DomainException;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.security.DevTokenResource;
import io.edgesync.security.signin.LocalIssuer;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;

/**
 * The local development OpenID Connect provider, under {@code /dev/oidc}: discovery, its signing key, an authorization
 * page that asks for a user name and checks no password, and a token endpoint (authorization code with PKCE, and a
 * password grant without a password for scripts). Its tokens are signed with the local key pair and carry its own
 * issuer, so the API never takes them as bearer tokens: only {@code /.auth/login/dev} does, as from any provider.
 *
 * <p> It is there only where development tokens are (the local default): otherwise every endpoint answers 404. It is
 * not part of the API's OpenAPI document; its own discovery document describes it.
 */
@Path(DevOidcProvider.PATH)
@Singleton
@Blocking
public class DevOidcProvider {

    /** Where the provider is served, and the issuer to configure for it ({@code edgesync.auth.providers.*.issuer}). */
    public static final String PATH = "/dev/oidc";

    private static final Duration TOKEN_LIFETIME = Duration.ofHours(1);
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9._@+-]{1,64}");
    private static final Pattern ROLE = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final int MAX_ROLES = 20;
    private static final Pattern CHALLENGE = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final Pattern VERIFIER = Pattern.compile("[A-Za-z0-9._~-]{43,128}");
    private static final int MAX_PARAMETER = 512;
    private static final int MAX_REDIRECT_URI = 2048;

    private final boolean enabled;
    private final Optional<String> keyLocation;
    private final AuthorizationCodes codes = new AuthorizationCodes();
    private volatile DevOidcKey key;

    public DevOidcProvider(EdgeSyncConfig config,
            @ConfigProperty(name = "smallrye.jwt.sign.key.location") Optional<String> keyLocation) {
        this.enabled = DevTokenResource.enabled(config.security());
        this.keyLocation = keyLocation;
    }

    /** The provider's tokens. */
    public record TokenResponse(String id_token, String access_token, String token_type, long expires_in) {

        @Override
        public String toString() {
            return "TokenResponse[...]";
        }
    }

    /** The provider's discovery document. */
    @GET
    @Path("/.well-known/openid-configuration")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(hidden = true)
    public Map<String, Object> discovery() {
        requireEnabled();
        String issuer = issuer();
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("issuer", issuer);
        document.put("authorization_endpoint", issuer + "/authorize");
        document.put("token_endpoint", issuer + "/token");
        document.put("jwks_uri", issuer + "/jwks");
        document.put("response_types_supported", List.of("code"));
        document.put("subject_types_supported", List.of("public"));
        document.put("id_token_signing_alg_values_supported", List.of("RS256"));
        document.put("code_challenge_methods_supported", List.of("S256"));
        document.put("grant_types_supported", List.of("authorization_code", "password"));
        document.put("token_endpoint_auth_methods_supported", List.of("none", "client_secret_post"));
        document.put("scopes_supported", List.of("openid", "profile"));
        document.put("claims_supported", List.of("sub", "name", "preferred_username", "roles", "nonce"));
        return document;
    }

    /** The provider's signing key, as a JSON Web Key Set. */
    @GET
    @Path("/jwks")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(hidden = true)
    public Map<String, Object> jwks() {
        requireEnabled();
        return key().jwks();
    }

    /** The sign-in page of an authorization request. */
    @GET
    @Path("/authorize")
    @Produces(MediaType.TEXT_HTML)
    @Operation(hidden = true)
    public Response authorize(@QueryParam("response_type") String responseType,
            @QueryParam("client_id") String clientId, @QueryParam("redirect_uri") String redirectUri,
            @QueryParam("scope") String scope, @QueryParam("state") String state, @QueryParam("nonce") String nonce,
            @QueryParam("code_challenge") String codeChallenge,
            @QueryParam("code_challenge_method") String codeChallengeMethod) {
        requireEnabled();
        AuthorizationRequest request = new AuthorizationRequest(responseType, clientId, redirectUri, scope, state,
                nonce, codeChallenge, codeChallengeMethod);
        Optional<String> problem = request.problem();
        if (problem.isPresent()) {
            return page(Response.Status.BAD_REQUEST, DevOidcPages.refused(problem.get()));
        }
        return page(Response.Status.OK, DevOidcPages.signIn(request.parameters(), Optional.empty()));
    }

    /** The sign-in form sent: back to the client with a code, or with {@code access_denied} when cancelled. */
    @POST
    @Path("/authorize")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.TEXT_HTML)
    @Operation(hidden = true)
    public Response signIn(@FormParam("response_type") String responseType, @FormParam("client_id") String clientId,
            @FormParam("redirect_uri") String redirectUri, @FormParam("scope") String scope,
            @FormParam("state") String state, @FormParam("nonce") String nonce,
            @FormParam("code_challenge") String codeChallenge,
            @FormParam("code_challenge_method") String codeChallengeMethod, @FormParam("username") String username,
            @FormParam("roles") String roles, @FormParam("action") String action) {
        requireEnabled();
        AuthorizationRequest request = new AuthorizationRequest(responseType, clientId, redirectUri, scope, state,
                nonce, codeChallenge, codeChallengeMethod);
        Optional<String> problem = request.problem();
        if (problem.isPresent()) {
            return page(Response.Status.BAD_REQUEST, DevOidcPages.refused(problem.get()));
        }
        Map<String, String> answer = new LinkedHashMap<>();
        if ("cancel".equals(action)) {
            answer.put("error", "access_denied");
        } else {
            String user = username == null ? "" : username.strip();
            Optional<List<String>> parsedRoles = roles(roles);
            if (!USER.matcher(user).matches() || parsedRoles.isEmpty()) {
                return page(Response.Status.BAD_REQUEST, DevOidcPages.signIn(request.parameters(),
                        Optional.of("Give a user name of letters, digits and . _ @ + - (at most 64), and roles of"
                                + " letters, digits and . _ : - separated by commas (at most " + MAX_ROLES + ")")));
            }
            answer.put("code", codes.issue(new AuthorizationCodes.Grant(clientId, redirectUri,
                    present(nonce), present(codeChallenge), user, parsedRoles.get(),
                    Instant.now().plus(AuthorizationCodes.LIFETIME))));
        }
        present(state).ifPresent(value -> answer.put("state", value));
        String separator = redirectUri.contains("?") ? "&" : "?";
        return Response.status(Response.Status.FOUND)
                .location(URI.create(redirectUri + separator + form(answer)))
                .header("Cache-Control", "no-store")
                .build();
    }

    /**
     * The token endpoint: {@code grant_type=authorization_code} (the code once, for the client and redirect URI it was
     * given to, with the PKCE verifier of its challenge) or {@code grant_type=password} with a {@code username} and
     * optional {@code roles} (no password: this provider checks none). Errors as OAuth 2.0 gives them.
     */
    @POST
    @Path("/token")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(hidden = true)
    public Response token(@FormParam("grant_type") String grantType, @FormParam("client_id") String clientId,
            @FormParam("code") String code, @FormParam("redirect_uri") String redirectUri,
            @FormParam("code_verifier") String codeVerifier, @FormParam("username") String username,
            @FormParam("roles") String roles) {
        requireEnabled();
        if (present(clientId).isEmpty() || clientId.length() > MAX_PARAMETER) {
            return oauthError("invalid_request", "client_id is missing");
        }
        if ("authorization_code".equals(grantType)) {
            if (present(code).isEmpty()) {
                return oauthError("invalid_request", "code is missing");
            }
            Optional<AuthorizationCodes.Grant> grant = codes.take(code)
                    .filter(found -> found.clientId().equals(clientId))
                    .filter(found -> found.redirectUri().equals(redirectUri))
                    .filter(found -> found.codeChallenge()
                            .map(challenge -> verifies(challenge, codeVerifier))
                            .orElse(true));
            if (grant.isEmpty()) {
                return oauthError("invalid_grant", "The code is unknown, expired or used, was given to another"
                        + " client or redirect_uri, or the code_verifier does not match its challenge");
            }
            AuthorizationCodes.Grant granted = grant.get();
            return tokens(clientId, granted.user(), granted.roles(), granted.nonce());
        }
        if ("password".equals(grantType)) {
            String user = username == null ? "" : username.strip();
            Optional<List<String>> parsedRoles = roles(roles);
            if (!USER.matcher(user).matches() || parsedRoles.isEmpty()) {
                return oauthError("invalid_request", "Give a username of letters, digits and . _ @ + - (at most 64)"
                        + " and optional roles, comma-separated");
            }
            return tokens(clientId, user, parsedRoles.get(), Optional.empty());
        }
        return present(grantType).isEmpty()
                ? oauthError("invalid_request", "grant_type is missing")
                : oauthError("unsupported_grant_type", "Use authorization_code or password");
    }

    private Response tokens(String clientId, String user, List<String> roles, Optional<String> nonce) {
        DevOidcKey signing = key();
        String issuer = issuer();
        long now = Instant.now().getEpochSecond();
        JwtClaimsBuilder id = claims(issuer, clientId, user, roles, now);
        nonce.ifPresent(value -> id.claim("nonce", value));
        String idToken = id.jws().keyId(DevOidcKey.KID).sign(signing.privateKey());
        String accessToken = claims(issuer, clientId, user, roles, now).claim("scope", "openid profile")
                .jws()
                .keyId(DevOidcKey.KID)
                .sign(signing.privateKey());
        return Response.ok(new TokenResponse(idToken, accessToken, "Bearer", TOKEN_LIFETIME.toSeconds()))
                .type(MediaType.APPLICATION_JSON)
                .header("Cache-Control", "no-store")
                .header("Pragma", "no-cache")
                .build();
    }

    private static JwtClaimsBuilder claims(String issuer, String clientId, String user, List<String> roles,
            long now) {
        return Jwt.issuer(issuer)
                .audience(clientId)
                .subject(user)
                .claim("name", user)
                .claim("preferred_username", user)
                .claim("roles", roles)
                .issuedAt(now)
                .expiresAt(now + TOKEN_LIFETIME.toSeconds());
    }

    /** The issuer: this gateway's address on this host, with the provider's path. */
    private static String issuer() {
        return LocalIssuer.resolve(PATH);
    }

    private void requireEnabled() {
        if (!enabled) {
            throw DomainException.notFound("No such resource");
        }
    }

    private DevOidcKey key() {
        DevOidcKey loaded = key;
        if (loaded == null) {
            loaded = DevOidcKey.load(keyLocation);
            key = loaded;
        }
        return loaded;
    }

    /** Comma-separated roles, trimmed and without empty ones; empty when one of them is not a role name. */
    private static Optional<List<String>> roles(String roles) {
        List<String> parsed = new ArrayList<>();
        if (roles != null) {
            for (String role : roles.split(",", -1)) {
                String name = role.strip();
                if (name.isEmpty()) {
                    continue;
                }
                if (!ROLE.matcher(name).matches() || parsed.size() == MAX_ROLES) {
                    return Optional.empty();
                }
                if (!parsed.contains(name)) {
                    parsed.add(name);
                }
            }
        }
        return Optional.of(List.copyOf(parsed));
    }

    private static boolean verifies(String challenge, String verifier) {
        if (verifier == null || !VERIFIER.matcher(verifier).matches()) {
            return false;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            String computed = Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
            return MessageDigest.isEqual(computed.getBytes(StandardCharsets.US_ASCII),
                    challenge.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("No SHA-256", e);
        }
    }

    private static Response page(Response.Status status, String html) {
        return Response.status(status)
                .type(MediaType.TEXT_HTML_TYPE.withCharset("utf-8"))
                .entity(html)
                .header("Cache-Control", "no-store")
                .build();
    }

    private static Response oauthError(String error, String description) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("error_description", description);
        return Response.status(Response.Status.BAD_REQUEST)
                .type(MediaType.APPLICATION_JSON)
                .entity(body)
                .header("Cache-Control", "no-store")
                .header("Pragma", "no-cache")
                .build();
    }

    private static Optional<String> present(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
    }

    private static String form(Map<String, String> parameters) {
        return parameters.entrySet()
                .stream()
                .map(entry -> URLEncoder.encode(entry.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(entry.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    /** An authorization request, as the query of the page or the hidden fields of its form carry it. */
    private record AuthorizationRequest(String responseType, String clientId, String redirectUri, String scope,
            String state, String nonce, String codeChallenge, String codeChallengeMethod) {

        /** Why the request cannot be answered, if it cannot: such a request is never redirected anywhere. */
        Optional<String> problem() {
            if (present(redirectUri).isEmpty()) {
                return Optional.of("The request names no redirect_uri.");
            }
            if (!acceptableRedirect(redirectUri)) {
                return Optional.of("redirect_uri must be an absolute http or https URL without user info or"
                        + " fragment.");
            }
            if (!"code".equals(responseType)) {
                return Optional.of("response_type must be code: this provider offers the authorization code flow"
                        + " only.");
            }
            if (present(clientId).isEmpty()) {
                return Optional.of("The request names no client_id.");
            }
            if (present(codeChallenge).isPresent() != present(codeChallengeMethod).isPresent()
                    || present(codeChallengeMethod).map(method -> !method.equals("S256")).orElse(false)
                    || present(codeChallenge).map(challenge -> !CHALLENGE.matcher(challenge).matches())
                            .orElse(false)) {
                return Optional.of("PKCE needs a code_challenge with code_challenge_method S256.");
            }
            for (String value : new String[]{clientId, scope, state, nonce}) {
                if (value != null && value.length() > MAX_PARAMETER) {
                    return Optional.of("A parameter is longer than " + MAX_PARAMETER + " characters.");
                }
            }
            return Optional.empty();
        }

        /** The request's parameters, by name, to carry through the form. */
        Map<String, String> parameters() {
            Map<String, String> parameters = new LinkedHashMap<>();
            parameters.put("response_type", responseType);
            parameters.put("client_id", clientId);
            parameters.put("redirect_uri", redirectUri);
            present(scope).ifPresent(value -> parameters.put("scope", value));
            present(state).ifPresent(value -> parameters.put("state", value));
            present(nonce).ifPresent(value -> parameters.put("nonce", value));
            present(codeChallenge).ifPresent(value -> parameters.put("code_challenge", value));
            present(codeChallengeMethod).ifPresent(value -> parameters.put("code_challenge_method", value));
            return parameters;
        }

        private static boolean acceptableRedirect(String uri) {
            if (uri.length() > MAX_REDIRECT_URI) {
                return false;
            }
            try {
                URI parsed = new URI(uri);
                String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
                return (scheme.equals("http") || scheme.equals("https")) && parsed.getHost() != null
                        && parsed.getRawUserInfo() == null && parsed.getRawFragment() == null;
            } catch (URISyntaxException e) {
                return false;
            }
        }
    }
}
