package io.edgesync.security.signin;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgesync.common.DomainException;
import io.edgesync.common.ServiceUnavailableException;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.security.AccessDeniedException;
import io.edgesync.security.DevTokenResource;
import io.quarkus.logging.Log;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;

/**
 * The configured OpenID Connect providers: their discovery documents, the verification of their tokens (issuer,
 * audience, signature from their published keys, expiry, and the nonce of a server-directed sign-in), and the calls of
 * their token endpoints (authorization code, refresh). Blocking: called from worker threads only.
 */
@ApplicationScoped
public class OidcProviders {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** A failed discovery is tried again after this long; a working one is kept for {@link #DISCOVERY_TTL}. */
    private static final Duration DISCOVERY_RETRY = Duration.ofSeconds(10);
    private static final Duration DISCOVERY_TTL = Duration.ofHours(1);
    private static final int RETRY_AFTER_SECONDS = 10;
    private static final Set<SignatureAlgorithm> ALGORITHMS = Set.of(SignatureAlgorithm.RS256,
            SignatureAlgorithm.RS384, SignatureAlgorithm.RS512, SignatureAlgorithm.PS256, SignatureAlgorithm.PS384,
            SignatureAlgorithm.PS512, SignatureAlgorithm.ES256, SignatureAlgorithm.ES384, SignatureAlgorithm.ES512);

    private final Map<String, EdgeSyncConfig.Auth.Provider> providers;
    private final ObjectMapper json;
    private final HttpClient http;
    private final int clockSkewSeconds;
    private final Map<String, Discovered> discovered = new ConcurrentHashMap<>();

    public OidcProviders(EdgeSyncConfig config, ObjectMapper json,
            @ConfigProperty(name = "mp.jwt.verify.clock.skew", defaultValue = "5") int clockSkewSeconds) {
        // a provider served by this gateway (the development provider) exists only where development tokens do
        boolean localProviders = DevTokenResource.enabled(config.security());
        this.providers = config.auth()
                .providers()
                .entrySet()
                .stream()
                .filter(entry -> localProviders || !LocalIssuer.isLocal(entry.getValue().issuer()))
                .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));
        this.json = json;
        this.http = HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.clockSkewSeconds = clockSkewSeconds;
    }

    /** The provider's endpoints, from its discovery document. */
    public record Endpoints(String issuer, String jwksUri, Optional<String> authorizationEndpoint,
            Optional<String> tokenEndpoint, Optional<String> endSessionEndpoint) {
    }

    /** A user as a provider's verified token describes them. */
    public record VerifiedUser(String provider, String userId, List<String> roles, Map<String, Object> claims,
            Optional<Instant> expiresAt) {
    }

    /** What a provider's token endpoint answered (never logged or shown). */
    public record TokenSet(Optional<String> idToken, Optional<String> accessToken, Optional<String> refreshToken) {

        @Override
        public String toString() {
            return "TokenSet[...]";
        }
    }

    private record Discovered(Optional<Endpoints> endpoints, Instant fetchedAt, Optional<DefaultJWTParser> parser) {
    }

    /** The names of the configured providers. */
    public Set<String> names() {
        return providers.keySet();
    }

    /** The configuration of provider {@code name}; 404 when there is no such provider. */
    public EdgeSyncConfig.Auth.Provider provider(String name) {
        EdgeSyncConfig.Auth.Provider provider = providers.get(name);
        if (provider == null) {
            throw DomainException.notFound("No identity provider named '" + name + "' is configured");
        }
        return provider;
    }

    /** The endpoints of provider {@code name}, from its discovery document; 503 while it cannot be read. */
    public Endpoints endpoints(String name) {
        return discover(name).endpoints().orElseThrow(() -> unavailable(name));
    }

    /**
     * Verifies a token the provider signed: an id token (audience the client id or a configured audience) or an access
     * token issued as a JWT for a configured audience; {@code nonce}, when given, must be the token's.
     */
    public VerifiedUser verify(String name, String token, Optional<String> nonce) {
        EdgeSyncConfig.Auth.Provider provider = provider(name);
        DefaultJWTParser parser = discover(name).parser().orElseThrow(() -> unavailable(name));
        JsonWebToken jwt;
        try {
            jwt = parser.parse(token);
        } catch (ParseException e) {
            Log.debugf("A token of provider %s was refused: %s", name, e.getMessage());
            throw new AccessDeniedException(DomainException.Kind.UNAUTHENTICATED,
                    "The token of provider '" + name + "' is not valid: wrong issuer or audience, expired,"
                            + " or not signed by the provider");
        }
        Map<String, Object> claims = claims(token);
        if (nonce.isPresent() && !nonce.get().equals(claims.get("nonce"))) {
            throw new AccessDeniedException(DomainException.Kind.UNAUTHENTICATED,
                    "The id token was not issued for this sign-in (nonce)");
        }
        Object id = claims.get(provider.userIdClaim());
        if ((!(id instanceof String) && !(id instanceof Number)) || id.toString().isBlank()) {
            throw new AccessDeniedException(DomainException.Kind.UNAUTHENTICATED,
                    "The token has no '" + provider.userIdClaim() + "' claim to identify the user");
        }
        String userId = provider.qualifyUserId() ? name + ":" + id : id.toString();
        claims.remove("nonce");
        Optional<Instant> expiresAt = jwt.getExpirationTime() > 0
                ? Optional.of(Instant.ofEpochSecond(jwt.getExpirationTime()))
                : Optional.empty();
        return new VerifiedUser(name, userId, roles(provider, claims), claims, expiresAt);
    }

    /** Exchanges an authorization code at the provider's token endpoint. */
    public TokenSet exchangeCode(String name, String code, String redirectUri, Optional<String> codeVerifier) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "authorization_code");
        form.put("code", code);
        form.put("redirect_uri", redirectUri);
        codeVerifier.ifPresent(verifier -> form.put("code_verifier", verifier));
        return callTokenEndpoint(name, form);
    }

    /** Asks the provider for fresh tokens with its refresh token. */
    public TokenSet refresh(String name, String refreshToken) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "refresh_token");
        form.put("refresh_token", refreshToken);
        return callTokenEndpoint(name, form);
    }

    private TokenSet callTokenEndpoint(String name, Map<String, String> form) {
        EdgeSyncConfig.Auth.Provider provider = provider(name);
        String endpoint = endpoints(name).tokenEndpoint()
                .orElseThrow(() -> DomainException.invalid("Provider '" + name + "' has no token endpoint"));
        form.put("client_id", provider.clientId());
        provider.clientSecret().ifPresent(secret -> form.put("client_secret", secret));
        HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint))
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(formBody(form)))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            Log.warnf("The token endpoint of provider %s did not answer: %s", name, e.getMessage());
            throw unavailable(name);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(name);
        }
        if (response.statusCode() >= 500) {
            Log.warnf("The token endpoint of provider %s answered %d", name, response.statusCode());
            throw unavailable(name);
        }
        JsonNode body = readJson(response.body());
        if (response.statusCode() != 200 || body == null) {
            String error = body == null ? "" : body.path("error").asText("");
            // the provider's error code only: its description may echo what was sent
            throw new AccessDeniedException(DomainException.Kind.UNAUTHENTICATED,
                    "Provider '" + name + "' refused the grant" + (error.isEmpty() ? "" : " (" + error + ")"));
        }
        return new TokenSet(text(body, "id_token"), text(body, "access_token"), text(body, "refresh_token"));
    }

    /** Form-encodes {@code form}. */
    static String formBody(Map<String, String> form) {
        return form.entrySet()
                .stream()
                .map(entry -> URLEncoder.encode(entry.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(entry.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    private Discovered discover(String name) {
        EdgeSyncConfig.Auth.Provider provider = provider(name);
        Discovered known = discovered.get(name);
        Instant now = Instant.now();
        if (known != null && (known.endpoints().isPresent()
                ? known.fetchedAt().plus(DISCOVERY_TTL).isAfter(now)
                : known.fetchedAt().plus(DISCOVERY_RETRY).isAfter(now))) {
            return known;
        }
        Discovered fresh = fetchDiscovery(name, provider, now);
        if (fresh.endpoints().isEmpty() && known != null && known.endpoints().isPresent()) {
            // keep what worked while the provider is away
            return known;
        }
        discovered.put(name, fresh);
        return fresh;
    }

    private Discovered fetchDiscovery(String name, EdgeSyncConfig.Auth.Provider provider, Instant now) {
        String issuer = LocalIssuer.resolve(provider.issuer());
        String url = (issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer)
                + "/.well-known/openid-configuration";
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(REQUEST_TIMEOUT)
                    .header("Accept", "application/json")
                    .GET()
                    .build(), HttpResponse.BodyHandlers.ofString());
            JsonNode document = response.statusCode() == 200 ? readJson(response.body()) : null;
            if (document == null || !issuer.equals(document.path("issuer").asText())
                    || document.path("jwks_uri").asText("").isEmpty()) {
                Log.warnf("The discovery document of provider %s at %s is not usable (status %d, or another issuer,"
                        + " or no jwks_uri)", name, url, response.statusCode());
                return new Discovered(Optional.empty(), now, Optional.empty());
            }
            Endpoints endpoints = new Endpoints(issuer, document.path("jwks_uri").asText(),
                    text(document, "authorization_endpoint"), text(document, "token_endpoint"),
                    text(document, "end_session_endpoint"));
            return new Discovered(Optional.of(endpoints), now, Optional.of(parser(provider, endpoints)));
        } catch (IOException | IllegalArgumentException e) {
            Log.warnf("The discovery document of provider %s at %s could not be read: %s", name, url,
                    e.getMessage());
            return new Discovered(Optional.empty(), now, Optional.empty());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Discovered(Optional.empty(), now, Optional.empty());
        }
    }

    private DefaultJWTParser parser(EdgeSyncConfig.Auth.Provider provider, Endpoints endpoints) {
        JWTAuthContextInfo context = new JWTAuthContextInfo();
        context.setIssuedBy(endpoints.issuer());
        context.setPublicKeyLocation(endpoints.jwksUri());
        context.setExpectedAudience(new LinkedHashSet<>(provider.audience()
                .filter(list -> !list.isEmpty())
                .orElse(List.of(provider.clientId()))));
        context.setSignatureAlgorithm(ALGORITHMS);
        context.setClockSkew(clockSkewSeconds);
        // keys are read again hourly, and at once for a key id not known yet (a rotation), at most once a minute
        context.setForcedJwksRefreshInterval(1);
        context.setJwksRefreshInterval(60);
        context.setRequireNamedPrincipal(false);
        return new DefaultJWTParser(context);
    }

    private ServiceUnavailableException unavailable(String name) {
        return new ServiceUnavailableException("Identity provider '" + name + "' cannot be reached; try again later",
                RETRY_AFTER_SECONDS);
    }

    private Map<String, Object> claims(String token) {
        String[] parts = token.split("\\.", -1);
        try {
            return json.readValue(Base64.getUrlDecoder().decode(parts[1]),
                    new TypeReference<LinkedHashMap<String, Object>>() {
                    });
        } catch (IOException | IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            throw new AccessDeniedException(DomainException.Kind.UNAUTHENTICATED, "The token cannot be read");
        }
    }

    /** The gateway roles of a user: the provider's roles claim, mapped when a mapping is configured. */
    static List<String> roles(EdgeSyncConfig.Auth.Provider provider, Map<String, Object> claims) {
        if (provider.rolesClaim().isEmpty()) {
            return List.of();
        }
        Object value = claims;
        for (String step : provider.rolesClaim().get().split("\\.", -1)) {
            value = value instanceof Map<?, ?> map ? map.get(step) : null;
        }
        List<String> found = new ArrayList<>();
        if (value instanceof String single) {
            found.add(single);
        } else if (value instanceof List<?> list) {
            list.stream().filter(String.class::isInstance).map(String.class::cast).forEach(found::add);
        }
        Map<String, String> mapping = provider.roleMapping();
        if (mapping.isEmpty()) {
            return List.copyOf(new LinkedHashSet<>(found));
        }
        return found.stream().map(mapping::get).filter(role -> role != null).distinct().toList();
    }

    private JsonNode readJson(String body) {
        try {
            JsonNode node = json.readTree(body);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static Optional<String> text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() && !value.asText().isEmpty()
                ? Optional.of(value.asText())
                : Optional.empty();
    }
}
