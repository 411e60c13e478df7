package io.edgesync.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A real, standards-compliant OpenID Connect provider for tests: NAV's mock-oauth2-server (Maven Central,
 * {@code no.nav.security:mock-oauth2-server}), run as a child JVM so that its Kotlin, OkHttp, Netty 4.2 and logback
 * class path never meets the Quarkus test class path. The build resolves that class path into
 * {@code target/oidc-provider.classpath} (the {@code oidc-provider-classpath} execution in pom.xml, phase
 * {@code process-test-resources}); the provider's own log goes to {@code target/oidc-provider-PORT.log}.
 *
 * <h2>Issuers</h2> The provider serves any issuer id: {@link #issuer(String) issuer("entra")} is
 * {@code http://localhost:PORT/entra}, with its discovery document at {@code <issuer>/.well-known/openid-configuration}
 * ({@code jwks_uri}, {@code authorization_endpoint}, {@code token_endpoint}, {@code end_session_endpoint}, ...). Each
 * issuer id signs with its own RS256 key (key id = issuer id), so a token of one issuer does not verify against
 * another's JWKS. The provider derives the issuer from the {@code Host} header of each request: use {@code localhost},
 * never {@code 127.0.0.1}, or the issuer in the discovery document and in the tokens differs. Two issuer ids are
 * configured specially: {@link #SHORT_LIVED} and {@link #EXPIRED}.
 *
 * <h2>Tokens</h2> {@link #tokens} gets tokens from the provider by the same authorization-code flow a browser takes.
 * {@code sub} is the login's user name. Left to itself the provider makes {@code aud} the client id in the id_token and
 * the token request's scopes other than OpenID ones ({@code "default"} if it sends none) in the access token; the
 * helpers here add the client id as an {@code aud} claim to the login (unless the caller's claims carry an
 * {@code aud}), which sets {@code aud} of both tokens. The caller's claims ({@code roles}, {@code email}, {@code name},
 * ...) go into both tokens, as do {@code iss}, {@code iat}, {@code nbf}, {@code exp} (1 hour), {@code jti}, the
 * request's {@code nonce} and, except on the two special issuers, {@code azp} (the client id) and {@code tid} (the
 * issuer id).
 *
 * <h2>Server-directed sign-in (authorization-code flow)</h2> When the gateway sends a client to the provider's
 * {@code authorization_endpoint} (with {@code client_id}, {@code redirect_uri}, {@code response_type=code},
 * {@code scope} containing {@code openid}, {@code state}, {@code nonce}, {@code code_challenge}...), the provider (it
 * runs with {@code interactiveLogin}) answers a GET of that URL with an HTML login form. The form posts back to the
 * very same URL, query included, as {@code application/x-www-form-urlencoded} with two fields: {@code username} (the
 * {@code sub} of the tokens) and {@code claims} (optional, a JSON object whose members become claims of both tokens and
 * may override the standard ones, {@code aud} included). The provider answers that POST with a 302 to
 * {@code redirect_uri?code=...&state=...} ({@code response_mode=form_post}: a 200 HTML page with a form of {@code code}
 * and {@code state} for {@code redirect_uri}). {@link #login} and {@link #loginFormPost} do exactly this. The code is
 * single-use; its id_token carries the request's {@code nonce}; PKCE is checked ({@code S256} or {@code plain}) when
 * the token request sends a {@code code_verifier}, and not at all when it sends none.
 *
 * <h2>Refresh</h2> The token endpoint supports {@code grant_type=refresh_token} ({@link #refresh}): it issues new
 * tokens for the same user and claims (without {@code nonce}) and returns the same refresh token (no rotation). Refresh
 * tokens never expire and are not bound to a client.
 *
 * <h2>Leniencies</h2> It is a test server: it verifies no client secret, no {@code redirect_uri} at the token endpoint,
 * and answers an unknown code or refresh token with tokens for a random subject rather than an error.
 */
public final class OidcProvider implements AutoCloseable {

    /**
     * An issuer id whose tokens expire {@link #SHORT_LIVED_EXPIRY} after they are issued. {@code exp} counts whole
     * seconds, so such a token is valid for at least 2 s and at most 3 s; a verifier refuses it once
     * {@code SHORT_LIVED_EXPIRY} plus its clock skew has passed since the token was received (the gateway's test
     * configuration allows 5 s of skew: wait 8 s).
     */
    public static final String SHORT_LIVED = "short-lived";
    /** How long tokens of {@link #SHORT_LIVED} live. */
    public static final Duration SHORT_LIVED_EXPIRY = Duration.ofSeconds(3);
    /**
     * An issuer id whose tokens are issued already expired: their {@code exp} is {@link #EXPIRED_BY} before their
     * {@code iat}, beyond any verifier's clock skew, so no test has to wait.
     */
    public static final String EXPIRED = "expired";
    /** How long before issue the tokens of {@link #EXPIRED} expire. */
    public static final Duration EXPIRED_BY = Duration.ofMinutes(10);

    /** The system property (set by surefire/failsafe) naming the class path file; else target/ is assumed. */
    static final String CLASSPATH_PROPERTY = "oidc-provider.classpath";
    private static final String MAIN_CLASS = "no.nav.security.mock.oauth2.StandaloneMockOAuth2ServerKt";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    private static final long STOP_GRACE_SECONDS = 10;
    private static final int START_ATTEMPTS = 3;
    /** Where {@link #tokens} has the provider send its code: never called, only read from the Location header. */
    private static final String TOKENS_REDIRECT_URI = "http://localhost/oidc-provider/callback";
    /**
     * Runs the provider in the background and stops it when its standard input closes, which happens when close()
     * closes it and also when the test JVM dies, however it dies: no provider outlives the tests.
     */
    private static final String WATCHDOG = "\"$@\" </dev/null & child=$!; cat >/dev/null; kill $child 2>/dev/null;"
            + " wait $child";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern FORM_ACTION = Pattern.compile("<form[^>]*\\baction=\"([^\"]*)\"");
    private static final Pattern HIDDEN_INPUT = Pattern
            .compile("<input[^>]*\\bname=\"([^\"]*)\"[^>]*\\bvalue=\"([^\"]*)\"");

    private final Process process;
    private final int port;
    private final Path log;
    private final Thread shutdownHook;
    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private OidcProvider(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.shutdownHook = new Thread(this::stop, "oidc-provider-stop-" + port);
    }

    /**
     * Starts the provider on a free port and waits (at most a minute) until its discovery document answers.
     *
     * @throws IllegalStateException if the class path file is missing (run the build's process-test-resources phase) or
     *     the provider does not come up; the message names its log
     */
    public static OidcProvider start() {
        Path classpathFile = classpathFile();
        if (!Files.isRegularFile(classpathFile)) {
            throw new IllegalStateException("No " + classpathFile.toAbsolutePath() + ": the OpenID Connect provider's"
                    + " class path is written by the Maven build in phase process-test-resources (execution"
                    + " oidc-provider-classpath of maven-invoker-plugin); run ./mvnw process-test-resources or a later"
                    + " phase without -DskipTests");
        }
        String classpath = read(classpathFile).strip();
        Path logDir = classpathFile.toAbsolutePath().getParent();
        IllegalStateException failure = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            int port = freePort();
            Path log = logDir.resolve("oidc-provider-" + port + ".log");
            OidcProvider provider = new OidcProvider(launch(classpath, port, log), port, log);
            Runtime.getRuntime().addShutdownHook(provider.shutdownHook);
            try {
                provider.awaitReady();
                return provider;
            } catch (IllegalStateException e) {
                boolean ended = !provider.process.isAlive();
                provider.close();
                if (!ended) {
                    throw e;
                }
                // Most likely another process took the free port first: try another one
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        throw failure;
    }

    /** The port the provider listens on (all interfaces; address it as {@code localhost}). */
    public int port() {
        return port;
    }

    /** The provider's log file. */
    public Path log() {
        return log;
    }

    /** The issuer URL of an issuer id: {@code http://localhost:PORT/<issuerId>}. */
    public String issuer(String issuerId) {
        return "http://localhost:" + port + "/" + issuerId;
    }

    /** The discovery document of an issuer id: {@code <issuer>/.well-known/openid-configuration}. */
    public URI discovery(String issuerId) {
        return URI.create(issuer(issuerId) + "/.well-known/openid-configuration");
    }

    /** The JWKS of an issuer id, as its discovery document names it ({@code jwks_uri}). */
    public URI jwksUri(String issuerId) {
        return URI.create(issuer(issuerId) + "/jwks");
    }

    /** The authorization endpoint of an issuer id ({@code authorization_endpoint}). */
    public URI authorizationEndpoint(String issuerId) {
        return URI.create(issuer(issuerId) + "/authorize");
    }

    /** The token endpoint of an issuer id ({@code token_endpoint}). */
    public URI tokenEndpoint(String issuerId) {
        return URI.create(issuer(issuerId) + "/token");
    }

    /** The end-session endpoint of an issuer id ({@code end_session_endpoint}). */
    public URI endSessionEndpoint(String issuerId) {
        return URI.create(issuer(issuerId) + "/endsession");
    }

    /**
     * Gets tokens from the provider for a user, through its login form and its token endpoint (the authorization-code
     * flow, with a random state and nonce).
     *
     * @param issuerId the issuer that signs them (any id; see {@link #SHORT_LIVED} and {@link #EXPIRED})
     * @param clientId the client they are for: {@code aud} of both tokens (unless {@code claims} has an {@code aud})
     *     and {@code azp}
     * @param subject their {@code sub}
     * @param claims further claims of both tokens (values: strings, numbers, booleans, lists, maps)
     */
    public Tokens tokens(String issuerId, String clientId, String subject, Map<String, Object> claims) {
        String state = UUID.randomUUID().toString();
        URI authorize = withQuery(authorizationEndpoint(issuerId), Map.of(
                "client_id", clientId,
                "redirect_uri", TOKENS_REDIRECT_URI,
                "response_type", "code",
                "scope", "openid profile email",
                "state", state,
                "nonce", UUID.randomUUID().toString()));
        Map<String, String> callback = queryParameters(login(authorize, subject, claims));
        if (!state.equals(callback.get("state"))) {
            throw new IllegalStateException("The provider answered state " + callback.get("state") + ", not " + state);
        }
        return exchange(issuerId, clientId, callback.get("code"), TOKENS_REDIRECT_URI, null);
    }

    /**
     * Signs in at the provider as a browser would, for an authorization request the gateway built, and returns where
     * the provider sends the browser back: the request's {@code redirect_uri} with {@code code} and {@code state}. See
     * the class documentation for the form it fills in.
     *
     * @param authorizeUrl the full authorization URL ({@code client_id}, {@code redirect_uri},
     *     {@code response_type=code}, {@code scope} with {@code openid}, {@code state}, {@code nonce}, PKCE...)
     * @param subject the user name, {@code sub} of the tokens
     * @param claims further claims of both tokens; without an {@code aud} the request's {@code client_id} is added as
     *     {@code aud}
     * @throws IllegalStateException if the provider does not answer with a redirect (for
     *     {@code response_mode=form_post} use {@link #loginFormPost})
     */
    public URI login(URI authorizeUrl, String subject, Map<String, Object> claims) {
        HttpResponse<String> answer = submitLogin(authorizeUrl, subject, claims);
        Optional<String> location = answer.headers().firstValue("Location");
        if (answer.statusCode() != 302 || location.isEmpty()) {
            throw new IllegalStateException("The provider answered the login for " + authorizeUrl + " with "
                    + answer.statusCode() + " instead of a redirect (response_mode=form_post? use loginFormPost): "
                    + answer.body());
        }
        return URI.create(location.get());
    }

    /**
     * Like {@link #login}, for an authorization request with {@code response_mode=form_post}: returns the form the
     * provider's answer page would post ({@code code} and {@code state} to the request's {@code redirect_uri}).
     */
    public FormPost loginFormPost(URI authorizeUrl, String subject, Map<String, Object> claims) {
        HttpResponse<String> answer = submitLogin(authorizeUrl, subject, claims);
        Matcher action = FORM_ACTION.matcher(answer.body());
        if (answer.statusCode() != 200 || !action.find()) {
            throw new IllegalStateException("The provider answered the login for " + authorizeUrl + " with "
                    + answer.statusCode() + " and no form to post: " + answer.body());
        }
        Map<String, String> fields = new LinkedHashMap<>();
        Matcher input = HIDDEN_INPUT.matcher(answer.body());
        while (input.find()) {
            fields.put(input.group(1), input.group(2));
        }
        return new FormPost(URI.create(action.group(1)), Map.copyOf(fields));
    }

    /**
     * Exchanges an authorization code at the token endpoint as a public client would (no client secret: the provider
     * checks none).
     *
     * @param codeVerifier the PKCE verifier, or null to send none (the provider then checks no challenge)
     * @throws IllegalStateException if the provider refuses (e.g. a wrong code verifier), with its answer
     */
    public Tokens exchange(String issuerId, String clientId, String code, String redirectUri, String codeVerifier) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "authorization_code");
        form.put("code", code);
        form.put("redirect_uri", redirectUri);
        form.put("client_id", clientId);
        if (codeVerifier != null) {
            form.put("code_verifier", codeVerifier);
        }
        return tokenRequest(issuerId, form);
    }

    /** Refreshes tokens ({@code grant_type=refresh_token}): same user and claims, new {@code iat}/{@code exp}. */
    public Tokens refresh(String issuerId, String clientId, String refreshToken) {
        return tokenRequest(issuerId, Map.of(
                "grant_type", "refresh_token",
                "refresh_token", refreshToken,
                "client_id", clientId));
    }

    /** Stops the provider: it gets {@value #STOP_GRACE_SECONDS} s to end, then it is killed. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs (or ran) anyway
        }
        stop();
    }

    private void stop() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // the watchdog's standard input is closed already
        }
        try {
            if (!process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private HttpResponse<String> submitLogin(URI authorizeUrl, String subject, Map<String, Object> claims) {
        // Given the login form the provider shows for this authorization request (as a browser would ask for it)
        HttpResponse<String> form = send(HttpRequest.newBuilder(authorizeUrl).GET().build());
        if (form.statusCode() != 200 || !form.body().contains("name=\"username\"")) {
            throw new IllegalStateException("The provider showed no login form for " + authorizeUrl + " but "
                    + form.statusCode() + ": " + form.body());
        }
        // When the form is posted back to the same URL with the user name and the claims as JSON
        Map<String, Object> allClaims = new LinkedHashMap<>(claims);
        String clientId = queryParameters(authorizeUrl).get("client_id");
        if (clientId != null) {
            allClaims.putIfAbsent("aud", clientId);
        }
        String body = formBody(Map.of("username", subject, "claims", toJson(allClaims)));
        return send(HttpRequest.newBuilder(authorizeUrl)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    private Tokens tokenRequest(String issuerId, Map<String, String> form) {
        HttpResponse<String> answer = send(HttpRequest.newBuilder(tokenEndpoint(issuerId))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(formBody(form)))
                .build());
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("The token endpoint of " + issuerId + " answered " + answer.statusCode()
                    + ": " + answer.body());
        }
        try {
            JsonNode json = JSON.readTree(answer.body());
            return new Tokens(json.path("id_token").asText(null), json.path("access_token").asText(null),
                    json.path("refresh_token").asText(null), json.path("expires_in").asLong());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("The token endpoint of " + issuerId + " answered no JSON: " + answer.body(),
                    e);
        }
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("No answer from the OpenID Connect provider (log: " + log + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while asking the OpenID Connect provider", e);
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        HttpRequest discovery = HttpRequest.newBuilder(discovery("default"))
                .timeout(Duration.ofSeconds(5))
                .GET()
                .build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("The OpenID Connect provider on port " + port + " ended with "
                        + process.exitValue() + " before it answered; its log: " + log + "\n" + tail(log));
            }
            try {
                if (http.send(discovery, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for the OpenID Connect provider", e);
            }
            sleep(Duration.ofMillis(100));
        }
        throw new IllegalStateException("The OpenID Connect provider on port " + port + " did not answer "
                + discovery.uri() + " within " + STARTUP_TIMEOUT.toSeconds() + " s; its log: " + log + "\n"
                + tail(log));
    }

    private static Process launch(String classpath, int port, Path log) {
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", WATCHDOG, "oidc-provider"));
        command.addAll(List.of(javaExecutable(), "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", classpath, MAIN_CLASS));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("SERVER_PORT", Integer.toString(port));
        builder.environment().put("JSON_CONFIG", jsonConfig());
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the OpenID Connect provider", e);
        }
    }

    /**
     * The provider's configuration: the login form on every authorization request, Netty (it serves requests in
     * parallel, MockWebServer one at a time), and the two issuers with special token lifetimes. Their access tokens'
     * {@code aud} defaults to the client id, as the helpers here set it for every other issuer.
     */
    static String jsonConfig() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("interactiveLogin", true);
        config.put("httpServer", "NettyWrapper");
        config.put("tokenCallbacks", List.of(
                lifetime(SHORT_LIVED, SHORT_LIVED_EXPIRY.toSeconds()),
                lifetime(EXPIRED, -EXPIRED_BY.toSeconds())));
        return toJson(config);
    }

    private static Map<String, Object> lifetime(String issuerId, long seconds) {
        return Map.of(
                "issuerId", issuerId,
                "tokenExpiry", seconds,
                "requestMappings", List.of(Map.of(
                        "requestParam", "grant_type",
                        "match", "*",
                        "claims", Map.of("aud", List.of("${clientId}")))));
    }

    private static Path classpathFile() {
        String configured = System.getProperty(CLASSPATH_PROPERTY);
        return configured == null || configured.isBlank()
                ? Path.of("target", "oidc-provider.classpath")
                : Path.of(configured);
    }

    private static String javaExecutable() {
        return ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port for the OpenID Connect provider", e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the OpenID Connect provider", e);
        }
    }

    private static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Not representable as JSON: " + value, e);
        }
    }

    private static String formBody(Map<String, String> fields) {
        StringBuilder body = new StringBuilder();
        fields.forEach((name, value) -> {
            if (body.length() > 0) {
                body.append('&');
            }
            body.append(URLEncoder.encode(name, StandardCharsets.UTF_8))
                    .append('=')
                    .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
        });
        return body.toString();
    }

    private static URI withQuery(URI uri, Map<String, String> parameters) {
        return URI.create(uri + "?" + formBody(parameters));
    }

    /** The query parameters of a URI (the first value of each), decoded. */
    public static Map<String, String> queryParameters(URI uri) {
        Map<String, String> parameters = new LinkedHashMap<>();
        String query = uri.getRawQuery();
        if (query == null || query.isEmpty()) {
            return parameters;
        }
        for (String pair : query.split("&")) {
            int equals = pair.indexOf('=');
            String name = equals < 0 ? pair : pair.substring(0, equals);
            String value = equals < 0 ? "" : pair.substring(equals + 1);
            parameters.putIfAbsent(URLDecoder.decode(name, StandardCharsets.UTF_8),
                    URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return parameters;
    }

    /**
     * What the provider's token endpoint answered.
     *
     * @param idToken the signed id_token (JWT)
     * @param accessToken the signed access_token (JWT)
     * @param refreshToken the refresh token (opaque, or an unsigned JWT holding the nonce), or null
     * @param expiresIn {@code expires_in} in seconds (negative for {@link #EXPIRED})
     */
    public record Tokens(String idToken, String accessToken, String refreshToken, long expiresIn) {
    }

    /**
     * The form the provider's {@code response_mode=form_post} page posts: to {@code action}, the fields {@code code}
     * and {@code state}.
     */
    public record FormPost(URI action, Map<String, String> fields) {

        /** The fields as an {@code application/x-www-form-urlencoded} body. */
        public String body() {
            return formBody(fields);
        }
    }
}
