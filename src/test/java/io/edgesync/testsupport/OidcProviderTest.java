package io.edgesync.testsupport;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import jakarta.json.JsonArray;
import jakarta.json.JsonString;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.testsupport.OidcProvider.Tokens;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The OpenID Connect provider of the sign-in tests is a real one: discovery, keys per issuer, signed tokens with the
 * chosen user and claims, expiry, the authorization-code flow with nonce and PKCE, and refresh.
 */
class OidcProviderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String CLIENT = "edgesync-gateway";
    private static final Map<String, Object> ALICE = Map.of(
            "roles", List.of("reader", "writer"),
            "email", "alice@example.org",
            "name", "Alice Example");

    private static OidcProvider provider;

    @BeforeAll
    static void startProvider() {
        provider = OidcProvider.start();
    }

    @AfterAll
    static void stopProvider() {
        provider.close();
    }

    @Test
    void discoveryNamesTheIssuerAndItsEndpoints() throws Exception {
        // Given an issuer id the provider was never told about
        String issuer = provider.issuer("contoso");
        // When its discovery document is read
        JsonNode discovery = getJson(provider.discovery("contoso"));
        // Then it names that issuer and the endpoints under it
        assertThat(discovery.path("issuer").asText()).isEqualTo(issuer);
        assertThat(discovery.path("jwks_uri").asText()).isEqualTo(provider.jwksUri("contoso").toString());
        assertThat(discovery.path("authorization_endpoint").asText())
                .isEqualTo(provider.authorizationEndpoint("contoso").toString());
        assertThat(discovery.path("token_endpoint").asText()).isEqualTo(provider.tokenEndpoint("contoso").toString());
        assertThat(discovery.path("end_session_endpoint").asText())
                .isEqualTo(provider.endSessionEndpoint("contoso").toString());
    }

    @Test
    void tokensCarryTheChosenUserAudienceAndClaimsAndVerifyAgainstTheirIssuersKeys() throws Exception {
        // Given tokens from issuer "entra" for alice, for the gateway's client id, with roles, email and name
        Tokens tokens = provider.tokens("entra", CLIENT, "alice", ALICE);
        // When both are verified against entra's JWKS, issuer and the client id as audience
        JWTAuthContextInfo entra = verification("entra", "entra", CLIENT);
        for (String token : List.of(tokens.idToken(), tokens.accessToken())) {
            JsonWebToken jwt = new DefaultJWTParser(entra).parse(token);
            // Then each carries alice, the client id and her claims
            assertThat(jwt.getIssuer()).isEqualTo(provider.issuer("entra"));
            assertThat(jwt.getSubject()).isEqualTo("alice");
            assertThat(jwt.getAudience()).containsExactly(CLIENT);
            assertThat(strings(jwt.getClaim("roles"))).containsExactly("reader", "writer");
            assertThat(jwt.<Object>getClaim("email")).hasToString("alice@example.org");
            assertThat(jwt.<Object>getClaim("name")).hasToString("Alice Example");
            assertThat(jwt.getExpirationTime() - jwt.getIssuedAtTime()).isEqualTo(3600);
        }
        assertThat(tokens.expiresIn()).isBetween(3590L, 3600L);
        // And an audience the token is not for is refused
        assertThatThrownBy(() -> new DefaultJWTParser(verification("entra", "entra", "someone-else"))
                .parse(tokens.accessToken())).isInstanceOf(ParseException.class);
    }

    @Test
    void aTokenOfOneIssuerDoesNotVerifyAgainstAnotherIssuersKeys() throws Exception {
        // Given a token of issuer "first"
        Tokens tokens = provider.tokens("first", CLIENT, "alice", ALICE);
        // When it is verified with the keys of issuer "second" (even expecting issuer "first")
        // Then it is refused: no key of "second" has the key id "first"
        assertThatThrownBy(() -> new DefaultJWTParser(verification("second", "first", CLIENT))
                .parse(tokens.idToken())).isInstanceOf(ParseException.class)
                .hasStackTraceContaining("Failed to load a key");
        // And the two issuers publish different keys, not only different key ids
        JsonNode first = getJson(provider.jwksUri("first")).path("keys").get(0);
        ObjectNode second = (ObjectNode) getJson(provider.jwksUri("second")).path("keys").get(0);
        assertThat(first.path("kid").asText()).isEqualTo("first");
        assertThat(first.path("n").asText()).isNotEqualTo(second.path("n").asText());
        // So even the key of "second" relabelled "first" does not verify the signature
        second.put("kid", "first");
        JWTAuthContextInfo relabelled = new JWTAuthContextInfo((String) null, provider.issuer("first"));
        relabelled.setPublicKeyContent(JSON.createObjectNode()
                .set("keys", JSON.createArrayNode().add(second))
                .toString());
        relabelled.setExpectedAudience(Set.of(CLIENT));
        assertThatThrownBy(() -> new DefaultJWTParser(relabelled).parse(tokens.idToken()))
                .isInstanceOf(ParseException.class)
                .hasStackTraceContaining("signature");
        // While the keys of "first" accept it
        assertThat(new DefaultJWTParser(verification("first", "first", CLIENT)).parse(tokens.idToken()).getSubject())
                .isEqualTo("alice");
    }

    @Test
    void expiredTokensAreRefused() throws Exception {
        // Given a token of the issuer whose tokens are born expired
        Tokens expired = provider.tokens(OidcProvider.EXPIRED, CLIENT, "alice", ALICE);
        // Then it is refused at once, even with a verifier's usual minute of clock skew
        assertThat(expired.expiresIn()).isNegative();
        assertThatThrownBy(() -> new DefaultJWTParser(verification(OidcProvider.EXPIRED, OidcProvider.EXPIRED, CLIENT))
                .parse(expired.accessToken())).isInstanceOf(ParseException.class)
                .hasStackTraceContaining("no longer valid");

        // Given a token of the short-lived issuer, accepted by a verifier without clock skew while it is fresh
        Tokens shortLived = provider.tokens(OidcProvider.SHORT_LIVED, CLIENT, "alice", ALICE);
        JWTAuthContextInfo strict = verification(OidcProvider.SHORT_LIVED, OidcProvider.SHORT_LIVED, CLIENT);
        strict.setClockSkew(0);
        JsonWebToken fresh = new DefaultJWTParser(strict).parse(shortLived.accessToken());
        assertThat(fresh.getSubject()).isEqualTo("alice");
        assertThat(fresh.getAudience()).containsExactly(CLIENT);
        // When its lifetime has passed
        Thread.sleep(OidcProvider.SHORT_LIVED_EXPIRY.plusMillis(200).toMillis());
        // Then the same verifier refuses it
        assertThatThrownBy(() -> new DefaultJWTParser(strict).parse(shortLived.accessToken()))
                .isInstanceOf(ParseException.class)
                .hasStackTraceContaining("no longer valid");
    }

    @Test
    void theLoginHelperSignsInForAnAuthorizationRequestWithNonceAndPkce() throws Exception {
        // Given an authorization request as the gateway builds it, with state, nonce and a PKCE challenge
        String verifier = randomVerifier();
        String redirectUri = "http://localhost:8080/.auth/login/aad/callback";
        String state = UUID.randomUUID().toString();
        String nonce = UUID.randomUUID().toString();
        URI authorize = URI.create(provider.authorizationEndpoint("entra") + "?client_id=" + CLIENT
                + "&redirect_uri=" + encode(redirectUri) + "&response_type=code&scope=openid+profile+email"
                + "&state=" + state + "&nonce=" + nonce + "&code_challenge=" + challenge(verifier)
                + "&code_challenge_method=S256");
        // When bob signs in with his claims
        URI callback = provider.login(authorize, "bob", Map.of("roles", List.of("admin"), "name", "Bob"));
        // Then the provider sends him back to the redirect URI with a code and the state
        assertThat(callback.toString()).startsWith(redirectUri + "?");
        Map<String, String> parameters = OidcProvider.queryParameters(callback);
        assertThat(parameters).containsEntry("state", state).containsKey("code");
        // And the code, exchanged with the right verifier, gives bob's tokens with the nonce in the id_token
        Tokens tokens = provider.exchange("entra", CLIENT, parameters.get("code"), redirectUri, verifier);
        JsonWebToken idToken = new DefaultJWTParser(verification("entra", "entra", CLIENT)).parse(tokens.idToken());
        assertThat(idToken.getSubject()).isEqualTo("bob");
        assertThat(idToken.<Object>getClaim("nonce")).hasToString(nonce);
        assertThat(strings(idToken.getClaim("roles"))).containsExactly("admin");
        assertThat(new DefaultJWTParser(verification("entra", "entra", CLIENT)).parse(tokens.accessToken())
                .getSubject()).isEqualTo("bob");
        // And the code is single-use: a second exchange does not give bob's tokens again
        Tokens again = provider.exchange("entra", CLIENT, parameters.get("code"), redirectUri, null);
        assertThat(new DefaultJWTParser(verification("entra", "entra", CLIENT)).parse(again.idToken()).getSubject())
                .isNotEqualTo("bob");

        // Given a second sign-in for the same request
        String secondCode = OidcProvider.queryParameters(provider.login(authorize, "bob", Map.of())).get("code");
        // When its code is exchanged with a wrong verifier, then the provider refuses it
        assertThatThrownBy(() -> provider.exchange("entra", CLIENT, secondCode, redirectUri, randomVerifier()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("invalid_grant");
    }

    @Test
    void theFormPostLoginGivesTheFormForTheRedirectUri() {
        // Given an authorization request asking for response_mode=form_post (as App Service sign-in does)
        String redirectUri = "http://localhost:8080/.auth/login/aad/callback";
        URI authorize = URI.create(provider.authorizationEndpoint("entra") + "?client_id=" + CLIENT
                + "&redirect_uri=" + encode(redirectUri) + "&response_type=code&response_mode=form_post"
                + "&scope=openid&state=s1&nonce=n1");
        // When carol signs in
        OidcProvider.FormPost form = provider.loginFormPost(authorize, "carol", Map.of());
        // Then the form posts the code and the state to the redirect URI, and the code gives carol's tokens
        assertThat(form.action()).isEqualTo(URI.create(redirectUri));
        assertThat(form.fields()).containsEntry("state", "s1").containsKey("code");
        assertThat(form.body()).contains("code=").contains("state=s1");
        Tokens tokens = provider.exchange("entra", CLIENT, form.fields().get("code"), redirectUri, null);
        assertThat(tokens.idToken()).isNotBlank();
    }

    @Test
    void refreshGivesNewTokensForTheSameUserAndClaims() throws Exception {
        // Given alice's tokens with a refresh token
        Tokens tokens = provider.tokens("entra", CLIENT, "alice", ALICE);
        assertThat(tokens.refreshToken()).isNotBlank();
        // When they are refreshed
        Thread.sleep(1100);
        Tokens refreshed = provider.refresh("entra", CLIENT, tokens.refreshToken());
        // Then the new tokens are alice's again, with her claims, issued later
        JWTAuthContextInfo entra = verification("entra", "entra", CLIENT);
        JsonWebToken before = new DefaultJWTParser(entra).parse(tokens.idToken());
        JsonWebToken after = new DefaultJWTParser(entra).parse(refreshed.idToken());
        assertThat(after.getSubject()).isEqualTo("alice");
        assertThat(strings(after.getClaim("roles"))).containsExactly("reader", "writer");
        assertThat(after.getIssuedAtTime()).isGreaterThan(before.getIssuedAtTime());
        assertThat(new DefaultJWTParser(entra).parse(refreshed.accessToken()).getAudience()).containsExactly(CLIENT);
        // And the refresh token is not rotated
        assertThat(refreshed.refreshToken()).isEqualTo(tokens.refreshToken());
    }

    @Test
    void aClosedProviderNoLongerAnswers() throws Exception {
        // Given a second provider that answers
        OidcProvider second = OidcProvider.start();
        URI discovery = second.discovery("default");
        assertThat(HTTP.send(HttpRequest.newBuilder(discovery).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode()).isEqualTo(200);
        // When it is closed
        second.close();
        // Then its port refuses connections
        assertThatThrownBy(() -> HTTP.send(HttpRequest.newBuilder(discovery).build(),
                HttpResponse.BodyHandlers.discarding())).isInstanceOf(ConnectException.class);
    }

    @Test
    void withoutTheClassPathFileTheMessageNamesItAndThePhase() {
        // Given a class path file that does not exist
        String previous = System.getProperty(OidcProvider.CLASSPATH_PROPERTY);
        System.setProperty(OidcProvider.CLASSPATH_PROPERTY, Path.of("target", "no-such.classpath").toString());
        try {
            // When the provider is started, then the error names the file and the Maven phase that writes it
            assertThatThrownBy(OidcProvider::start).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no-such.classpath")
                    .hasMessageContaining("process-test-resources");
        } finally {
            if (previous == null) {
                System.clearProperty(OidcProvider.CLASSPATH_PROPERTY);
            } else {
                System.setProperty(OidcProvider.CLASSPATH_PROPERTY, previous);
            }
        }
    }

    /** Verifies with the keys of {@code keysOf}, expecting issuer {@code issuerId} and audience {@code audience}. */
    private static JWTAuthContextInfo verification(String keysOf, String issuerId, String audience) {
        JWTAuthContextInfo context = new JWTAuthContextInfo(provider.jwksUri(keysOf).toString(),
                provider.issuer(issuerId));
        context.setExpectedAudience(Set.of(audience));
        return context;
    }

    private static List<String> strings(Object claim) {
        List<String> values = new ArrayList<>();
        if (claim instanceof JsonArray array) {
            array.forEach(value -> values.add(((JsonString) value).getString()));
        } else if (claim instanceof Iterable<?> iterable) {
            iterable.forEach(value -> values.add(String.valueOf(value)));
        } else {
            values.add(String.valueOf(claim));
        }
        return values;
    }

    private static JsonNode getJson(URI uri) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s", uri).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static String randomVerifier() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String challenge(String verifier) throws NoSuchAlgorithmException {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
