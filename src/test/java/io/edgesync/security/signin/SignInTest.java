package io.edgesync.security.signin;

import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URL;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.LogCapture;
import io.edgesync.testsupport.OidcProvider;
import io.edgesync.testsupport.SignInProviders;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.smallrye.jwt.build.Jwt;

import static io.edgesync.testsupport.SignInProviders.CLIENT_ID;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sign-in as Azure App Service offers it, against a real OpenID Connect provider: the client-directed flow with the
 * provider's id or access token, the server-directed flow through every redirect (state cookie, PKCE, nonce), the
 * browser SDK's popup, refresh, sign-out, key rotation, and every kind of token the gateway must refuse.
 */
@QuarkusTest
@TestProfile(SignInProviders.class)
@WithTestResource(InfrastructureResource.class)
class SignInTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STATE_COOKIE = "EdgeSyncLoginState";

    @TestHTTPResource("/")
    URL root;

    private static OidcProvider oidc() {
        return SignInProviders.Provider.oidc();
    }

    private static String unique(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Response signIn(String provider, String body) {
        return given().contentType(ContentType.JSON).body(body).post("/.auth/login/" + provider);
    }

    private static String sessionTokenOf(String user) {
        OidcProvider.Tokens tokens = oidc().tokens("idp", CLIENT_ID, user, Map.of("name", user));
        return signIn("idp", "{\"id_token\":\"" + tokens.idToken() + "\"}").then()
                .statusCode(200)
                .extract()
                .path("authenticationToken");
    }

    private static Response insertTodo(String sessionToken, String id, String text) {
        return given().header("ZUMO-API-VERSION", "2.0.0")
                .header("X-ZUMO-AUTH", sessionToken)
                .contentType(ContentType.JSON)
                .body("{\"id\":\"" + id + "\",\"text\":\"" + text + "\"}")
                .post("/tables/todoitem");
    }

    private static Response readTodo(String sessionToken, String id) {
        return given().header("ZUMO-API-VERSION", "2.0.0")
                .header("X-ZUMO-AUTH", sessionToken)
                .get("/tables/todoitem/" + id);
    }

    @Test
    void anIdTokenOfTheProviderSignsInAndTheSessionTokenOwnsRows() {
        // Given an id token the provider issued to alice for this app
        String alice = unique("alice");
        OidcProvider.Tokens tokens = oidc().tokens("idp", CLIENT_ID, alice, Map.of("name", "Alice"));
        // When the app posts it as the Azure clients do
        Response answer = signIn("idp", "{\"id_token\":\"" + tokens.idToken() + "\"}");
        // Then the answer has App Service's shape, with the user qualified by the provider
        answer.then().statusCode(200);
        assertThat(answer.jsonPath().getString("user.userId")).isEqualTo("idp:" + alice);
        String session = answer.jsonPath().getString("authenticationToken");
        assertThat(session).isNotBlank().isNotEqualTo(tokens.idToken());
        // And the session token is what the tables accept: alice's row is hers, nobody else's
        String id = UUID.randomUUID().toString();
        insertTodo(session, id, "from alice").then().statusCode(201);
        readTodo(session, id).then().statusCode(200);
        readTodo(sessionTokenOf(unique("bob")), id).then().statusCode(404);
    }

    @Test
    void anAccessTokenOfTheProviderSignsInToo() {
        // Given an access token issued for this app
        String carol = unique("carol");
        OidcProvider.Tokens tokens = oidc().tokens("idp", CLIENT_ID, carol, Map.of());
        // When the app posts it, then carol is signed in
        String user = signIn("idp", "{\"access_token\":\"" + tokens.accessToken() + "\"}").then()
                .statusCode(200)
                .extract()
                .path("user.userId");
        assertThat(user).isEqualTo("idp:" + carol);
    }

    @Test
    void tokensOfAnotherIssuerAudienceOrKeyAndExpiredOnesAreRefused() throws Exception {
        String mallory = unique("mallory");
        // Given a token of another issuer, one for another app, an expired one and one signed with another key
        String otherIssuer = oidc().tokens("another-issuer", CLIENT_ID, mallory, Map.of()).idToken();
        String otherAudience = oidc().tokens("idp", "another-app", mallory, Map.of()).idToken();
        String expired = oidc().tokens(OidcProvider.EXPIRED, CLIENT_ID, mallory, Map.of()).idToken();
        String forged = resignedWithAnotherKey(oidc().tokens("idp", CLIENT_ID, mallory, Map.of()).idToken());
        // When each is posted to the provider it claims, then each is a 401 with a JSON message, and no session
        for (String[] attempt : List.of(new String[]{"idp", otherIssuer}, new String[]{"idp", otherAudience},
                new String[]{"expired", expired}, new String[]{"idp", forged})) {
            Response answer = signIn(attempt[0], "{\"id_token\":\"" + attempt[1] + "\"}");
            assertThat(answer.statusCode()).as(attempt[0]).isEqualTo(401);
            assertThat(answer.jsonPath().getInt("code")).isEqualTo(401);
            assertThat(answer.jsonPath().getString("message")).isNotBlank().doesNotContain(attempt[1]);
            assertThat(answer.jsonPath().getString("authenticationToken")).isNull();
        }
        // And the provider's own token is no session token of the gateway: the tables refuse it
        insertTodo(oidc().tokens("idp", CLIENT_ID, mallory, Map.of()).idToken(), UUID.randomUUID().toString(), "x")
                .then()
                .statusCode(401);
    }

    @Test
    void whatTheGatewayCannotUseIsAClearError() {
        // When the body holds no token, names no provider configured, or the provider cannot be reached
        signIn("idp", "{\"token\":\"x\"}").then().statusCode(400);
        signIn("idp", "not json").then().statusCode(400);
        signIn("nosuch", "{\"id_token\":\"a.b.c\"}").then().statusCode(404);
        Response down = signIn("down", "{\"id_token\":\"a.b.c\"}");
        // Then each says so in JSON; the unreachable provider is a 503 to retry
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.header("Retry-After")).isNotBlank();
        assertThat(down.jsonPath().getString("message")).contains("down");
    }

    @Test
    void theServerDirectedFlowRunsThroughEveryRedirectAndEndsAtTheAppWithTheToken() throws Exception {
        // Given an app that sends the browser to sign in, asking to come back to its page
        String dave = unique("dave");
        Response start = given().redirects()
                .follow(false)
                .queryParam("post_login_redirect_url", SignInProviders.APP_URL + "signed-in")
                .get("/.auth/login/idp");
        // Then the gateway sends it to the provider with PKCE, state and nonce, keeping the state in a cookie
        assertThat(start.statusCode()).isEqualTo(302);
        URI authorize = URI.create(start.header("Location"));
        Map<String, String> query = OidcProvider.queryParameters(authorize);
        assertThat(query).containsKeys("state", "nonce", "code_challenge")
                .containsEntry("client_id", CLIENT_ID)
                .containsEntry("code_challenge_method", "S256")
                .containsEntry("response_type", "code");
        String cookie = start.cookie(STATE_COOKIE);
        assertThat(cookie).isNotBlank();
        // When dave signs in at the provider, which is an admin there
        URI callback = oidc().login(authorize, dave, Map.of("roles", List.of("Sync.Admins", "Staff")));
        Response finish = given().redirects().follow(false).cookie(STATE_COOKIE, cookie).get(callback.toString());
        // Then the browser lands on the app's page with App Service's token fragment
        assertThat(finish.statusCode()).isEqualTo(302);
        String location = finish.header("Location");
        assertThat(location).startsWith(SignInProviders.APP_URL + "signed-in#token=");
        Map<String, Object> result = JSON.readValue(
                URLDecoder.decode(location.substring(location.indexOf("#token=") + 7), StandardCharsets.UTF_8),
                new TypeReference<Map<String, Object>>() {
                });
        assertThat(result).containsEntry("user", Map.of("userId", "idp:" + dave));
        String session = (String) result.get("authenticationToken");
        // And the session token carries the mapped role: the admin API opens, and /.auth/me describes the user
        given().header("X-ZUMO-AUTH", session).get("/admin/overview").then().statusCode(200);
        Response me = given().header("X-ZUMO-AUTH", session).get("/.auth/me");
        me.then().statusCode(200);
        assertThat(me.jsonPath().getString("[0].provider_name")).isEqualTo("idp");
        assertThat(me.jsonPath().getString("[0].user_id")).isEqualTo("idp:" + dave);
        assertThat(me.jsonPath().getList("[0].user_claims.typ", String.class)).contains("sub", "roles");
        assertThat(me.asString()).doesNotContain("refresh_token").doesNotContain(session);
        // And the same callback cannot be used twice: the cookie is cleared, and the code is spent
        assertThat(finish.getDetailedCookie(STATE_COOKIE).getMaxAge()).isZero();
    }

    @Test
    void aBrowserLikeClientKeepingItsCookiesFollowsEveryRedirectToTheApp() throws Exception {
        // Given an HTTP client with a cookie jar, which follows each redirect itself as a browser would
        HttpClient browser = HttpClient.newBuilder()
                .cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        String user = unique("walter");
        // When it opens the sign-in page of the app's provider
        HttpResponse<String> answer = browser.send(HttpRequest.newBuilder(URI.create(
                root + ".auth/login/idp?post_login_redirect_url=" + SignInProviders.APP_URL)).build(),
                HttpResponse.BodyHandlers.ofString());
        List<Integer> statuses = new ArrayList<>();
        URI current = URI.create(root + ".auth/login/idp");
        for (int hop = 0; hop < 6 && answer.statusCode() == 302; hop++) {
            statuses.add(answer.statusCode());
            current = current.resolve(answer.headers().firstValue("Location").orElseThrow());
            if (current.toString().startsWith(SignInProviders.APP_URL)) {
                break;
            }
            answer = browser.send(HttpRequest.newBuilder(current).build(), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() == 200 && current.getPath().endsWith("/authorize")) {
                // the provider's sign-in form, filled in and sent back to the same address
                statuses.add(200);
                answer = browser.send(HttpRequest.newBuilder(current)
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("username=" + user + "&claims="
                                + URLEncoder.encode("{\"aud\":\"" + CLIENT_ID + "\"}", StandardCharsets.UTF_8)))
                        .build(), HttpResponse.BodyHandlers.ofString());
            }
        }
        // Then it went gateway -> provider (form) -> gateway callback -> app, and the app got its token
        assertThat(statuses).containsExactly(302, 200, 302, 302);
        assertThat(current.toString()).startsWith(SignInProviders.APP_URL + "#token=");
        assertThat(URLDecoder.decode(current.getRawFragment(), StandardCharsets.UTF_8))
                .contains("\"userId\":\"idp:" + user + "\"", "\"authenticationToken\":\"");
    }

    @Test
    void aCallbackWithoutItsCookieOrWithAnotherStateIsRefusedAndHandsNothingOver() {
        // Given a sign-in started by one browser
        Response start = given().redirects().follow(false).get("/.auth/login/idp");
        URI callback = oidc().login(URI.create(start.header("Location")), unique("eve"), Map.of());
        // When another browser (no cookie) comes back with its code, or the state is changed
        Response noCookie = given().redirects().follow(false).get(callback.toString());
        Response otherState = given().redirects()
                .follow(false)
                .cookie(STATE_COOKIE, start.cookie(STATE_COOKIE))
                .get(callback.toString().replaceAll("state=[^&]*", "state=forged"));
        // Then both are a 401 and nobody is redirected anywhere
        for (Response answer : List.of(noCookie, otherState)) {
            assertThat(answer.statusCode()).isEqualTo(401);
            assertThat(answer.header("Location")).isNull();
        }
    }

    @Test
    void whatLooksLikeASessionTokenButIsNotOneIsRefused() {
        // Given a sign-in's state cookie (signed with the session key) and a session token with a changed payload
        String cookie = given().redirects().follow(false).get("/.auth/login/idp").cookie(STATE_COOKIE);
        String session = sessionTokenOf(unique("oscar"));
        String[] parts = session.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replaceAll("\"sub\":\"[^\"]+\"", "\"sub\":\"idp:somebody-else\"");
        String changed = parts[0] + "." + Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        // When either is sent as a session token, then it is a 401, on the tables and at /.auth
        for (String token : List.of(cookie, changed)) {
            insertTodo(token, UUID.randomUUID().toString(), "forged").then().statusCode(401);
            given().header("X-ZUMO-AUTH", token).get("/.auth/me").then().statusCode(401);
            given().header("X-ZUMO-AUTH", token).get("/.auth/refresh").then().statusCode(401);
        }
    }

    @Test
    void onlyAllowListedRedirectsAndOriginsAreServed() {
        // When a sign-in asks to end at a URL or origin nobody allowed
        given().redirects()
                .follow(false)
                .queryParam("post_login_redirect_url", "https://evil.example/")
                .get("/.auth/login/idp")
                .then()
                .statusCode(400);
        given().redirects()
                .follow(false)
                .queryParam("post_login_redirect_url", SignInProviders.APP_ORIGIN + "/other")
                .get("/.auth/login/idp")
                .then()
                .statusCode(400);
        given().redirects()
                .follow(false)
                .queryParam("post_login_redirect_url", "//evil.example/")
                .get("/.auth/login/idp")
                .then()
                .statusCode(400);
        given().redirects()
                .follow(false)
                .queryParam("completion_type", "postMessage")
                .queryParam("completion_origin", "https://evil.example")
                .get("/.auth/login/idp")
                .then()
                .statusCode(400);
        // Then each is refused; the gateway's own done page is always fine
        given().redirects().follow(false).get("/.auth/login/idp").then().statusCode(302);
    }

    @Test
    void theBrowserSdksPopupGetsItsMessageForTheAllowedOriginOnly() {
        // Given the browser SDK's popup mode for a page of the allowed origin
        Response start = given().redirects()
                .follow(false)
                .queryParam("completion_type", "postMessage")
                .queryParam("completion_origin", SignInProviders.APP_ORIGIN)
                .get("/.auth/login/idp");
        URI callback = oidc().login(URI.create(start.header("Location")), unique("frank"), Map.of());
        // When the provider sends the popup back
        Response page = given().redirects()
                .follow(false)
                .cookie(STATE_COOKIE, start.cookie(STATE_COOKIE))
                .get(callback.toString());
        // Then its page holds the LoginCompleted message for that origin, posted by a script of the gateway
        page.then().statusCode(200).contentType(ContentType.HTML);
        assertThat(page.asString()).contains("\"type\":\"LoginCompleted\"", "\"authenticationToken\"",
                "data-origin=\"" + SignInProviders.APP_ORIGIN + "\"", "src=\"/.auth/login/complete.js\"");
        assertThat(page.header("Content-Security-Policy")).contains("script-src 'self'");
        given().get("/.auth/login/complete.js").then().statusCode(200).contentType("text/javascript");
    }

    @Test
    void aSessionIsRefreshedThroughTheProviderAndEndsAtSignOut() {
        // Given a session opened by the server-directed flow (the provider gave a refresh token)
        Response start = given().redirects().follow(false).get("/.auth/login/idp");
        URI callback = oidc().login(URI.create(start.header("Location")), unique("grace"),
                Map.of("roles", List.of("Sync.Admins")));
        String location = given().redirects()
                .follow(false)
                .cookie(STATE_COOKIE, start.cookie(STATE_COOKIE))
                .get(callback.toString())
                .header("Location");
        String session = URLDecoder.decode(location.substring(location.indexOf("#token=") + 7),
                StandardCharsets.UTF_8).replaceAll(".*\"authenticationToken\":\"([^\"]+)\".*", "$1");
        // When the app refreshes it
        Response refreshed = given().header("X-ZUMO-AUTH", session).get("/.auth/refresh");
        // Then it gets a new session token for the same user, which the tables accept
        refreshed.then().statusCode(200);
        String fresh = refreshed.jsonPath().getString("authenticationToken");
        assertThat(fresh).isNotEqualTo(session);
        assertThat(refreshed.jsonPath().getString("user.userId")).startsWith("idp:grace-");
        insertTodo(fresh, UUID.randomUUID().toString(), "after refresh").then().statusCode(201);
        // with the roles the provider gives at the refresh
        given().header("X-ZUMO-AUTH", fresh).get("/admin/overview").then().statusCode(200);
        // When the user signs out
        Response logout = given().redirects().follow(false).header("X-ZUMO-AUTH", fresh).get("/.auth/logout");
        // Then the session's tokens are refused everywhere, also for a refresh
        assertThat(logout.statusCode()).isEqualTo(302);
        assertThat(logout.header("Location")).endsWith("/.auth/logout/complete");
        insertTodo(fresh, UUID.randomUUID().toString(), "after sign-out").then().statusCode(401);
        insertTodo(session, UUID.randomUUID().toString(), "after sign-out").then().statusCode(401);
        given().header("X-ZUMO-AUTH", fresh).get("/.auth/refresh").then().statusCode(401);
    }

    @Test
    void aSessionOfAProviderTokenWithoutRefreshEndsWhenThatTokenExpires() throws Exception {
        // Given a session opened with a provider token that lives a few seconds (no refresh token)
        String id = oidc().tokens(OidcProvider.SHORT_LIVED, CLIENT_ID, unique("heidi"), Map.of()).idToken();
        String session = signIn("short", "{\"id_token\":\"" + id + "\"}").then()
                .statusCode(200)
                .extract()
                .path("authenticationToken");
        // When it is refreshed while the provider token is valid, then that works
        given().header("X-ZUMO-AUTH", session).get("/.auth/refresh").then().statusCode(200);
        // When the provider token has expired, then a refresh is a 401 saying to sign in again
        Thread.sleep(OidcProvider.SHORT_LIVED_EXPIRY.toMillis() + 1500);
        Response late = given().header("X-ZUMO-AUTH", session).get("/.auth/refresh");
        assertThat(late.statusCode()).isEqualTo(401);
        assertThat(late.jsonPath().getString("message")).contains("sign in again");
    }

    @Test
    void aKeptSessionTokenSignsInAgainAndAKeyRotationLogsNobodyOut() throws Exception {
        // Given a session token signed before a key rotation
        String ivan = unique("ivan");
        String before = sessionTokenOf(ivan);
        Thread.sleep((SignInProviders.KEY_ROTATION_SECONDS + 1) * 1000L);
        // When another user signs in after it
        String after = sessionTokenOf(unique("judy"));
        // Then the new token is signed with a new key, and the old one still works
        assertThat(keyId(after)).isNotEqualTo(keyId(before));
        insertTodo(before, UUID.randomUUID().toString(), "old key").then().statusCode(201);
        // And the Azure clients' login with a cached token answers it as it is
        Response again = given().contentType(ContentType.JSON)
                .body("{\"authenticationToken\":\"" + before + "\"}")
                .post("/.auth/login");
        again.then().statusCode(200);
        assertThat(again.jsonPath().getString("authenticationToken")).isEqualTo(before);
        assertThat(again.jsonPath().getString("user.userId")).isEqualTo("idp:" + ivan);
        // And both keys are published for services that verify session tokens
        assertThat(given().get("/.auth/keys").jsonPath().getList("keys.kid", String.class))
                .contains(keyId(before), keyId(after));
    }

    @Test
    void noTokenOrSecretReachesTheLog() {
        // Given the log of a sign-in and a refused one
        String id = oidc().tokens("idp", CLIENT_ID, unique("ken"), Map.of()).idToken();
        String session;
        try (LogCapture log = LogCapture.start()) {
            session = signIn("idp", "{\"id_token\":\"" + id + "\"}").then()
                    .statusCode(200)
                    .extract()
                    .path("authenticationToken");
            signIn("expired", "{\"id_token\":\"" + id + "\"}").then().statusCode(401);
            // Then no line holds the provider's token or the session token
            assertThat(String.join("\n", log.messages())).doesNotContain(id).doesNotContain(session);
        }
    }

    private static String keyId(String token) throws Exception {
        String header = new String(Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.'))),
                StandardCharsets.UTF_8);
        return JSON.readTree(header).path("kid").asText();
    }

    /** The same claims, with the same key id, signed with a key the provider never had. */
    private static String resignedWithAnotherKey(String token) throws Exception {
        String[] parts = token.split("\\.", -1);
        Map<String, Object> claims = JSON.readValue(Base64.getUrlDecoder().decode(parts[1]),
                new TypeReference<Map<String, Object>>() {
                });
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        PrivateKey key = generator.generateKeyPair().getPrivate();
        return Jwt.claims(claims).jws().keyId(keyId(token)).sign(key);
    }
}
