package io.edgesync.security.devoidc;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.TestInfrastructure;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

import static io.edgesync.testsupport.ZumoRequests.zumo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The local development OpenID Connect provider ({@code /dev/oidc}) and the sign-in provider {@code dev} that the test
 * profile, like the local default, configures on it: both App Service flows end in a session token whose user owns the
 * rows it inserts, and the provider's own codes are single-use and bound to their PKCE challenge.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class DevOidcProviderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CLIENT = "edgesync-local";
    private static final String STATE_COOKIE = "EdgeSyncLoginState";

    @TestHTTPResource("/")
    URI root;

    private String issuer() {
        return "http://localhost:" + root.getPort() + "/dev/oidc";
    }

    @Test
    void discoveryNamesTheGatewaysOwnAddressAsIssuer() {
        // When a client reads the provider's discovery document
        JsonNode document = json(given().get("/dev/oidc/.well-known/openid-configuration")
                .then()
                .statusCode(200)
                .extract()
                .asString());

        // Then the issuer is this gateway on this host, and the endpoints are under it
        assertThat(document.path("issuer").asText()).isEqualTo(issuer());
        assertThat(document.path("authorization_endpoint").asText()).isEqualTo(issuer() + "/authorize");
        assertThat(document.path("token_endpoint").asText()).isEqualTo(issuer() + "/token");
        assertThat(document.path("jwks_uri").asText()).isEqualTo(issuer() + "/jwks");
        assertThat(document.path("code_challenge_methods_supported").toString()).isEqualTo("[\"S256\"]");
        assertThat(document.path("response_types_supported").toString()).isEqualTo("[\"code\"]");

        // And its key set holds one RSA signing key with the provider's key id
        JsonNode keys = json(given().get("/dev/oidc/jwks").then().statusCode(200).extract().asString());
        assertThat(keys.path("keys")).hasSize(1);
        assertThat(keys.path("keys").get(0).path("kid").asText()).isEqualTo(DevOidcKey.KID);
        assertThat(keys.path("keys").get(0).path("kty").asText()).isEqualTo("RSA");
        assertThat(keys.path("keys").get(0).has("d")).as("no private part").isFalse();
    }

    @Test
    void theClientDirectedFlowGivesASessionWhoseUserOwnsItsRows() throws Exception {
        // Given an id token of the development provider for alice (the password grant: no password)
        Response tokens = given().formParam("grant_type", "password")
                .formParam("client_id", CLIENT)
                .formParam("username", "alice")
                .formParam("roles", "reader, writer")
                .post("/dev/oidc/token");
        assertThat(tokens.statusCode()).isEqualTo(200);
        assertThat(tokens.header("Cache-Control")).isEqualTo("no-store");
        String idToken = tokens.jsonPath().getString("id_token");
        assertThat(tokens.jsonPath().getString("token_type")).isEqualTo("Bearer");

        // Then the API does not take it as a bearer token: its issuer is not the API's
        assertThat(given().header("ZUMO-API-VERSION", "2.0.0")
                .header("X-ZUMO-AUTH", idToken)
                .get("/tables/todoitem")
                .statusCode()).isEqualTo(401);

        // When the app signs in with it as App Service apps do
        Response login = given().contentType(ContentType.JSON)
                .body("{\"id_token\":\"" + idToken + "\"}")
                .post("/.auth/login/dev");

        // Then it gets a session token of the gateway for the user dev:alice
        assertThat(login.statusCode()).as(login.asString()).isEqualTo(200);
        assertThat(login.jsonPath().getString("user.userId")).isEqualTo("dev:alice");
        String session = login.jsonPath().getString("authenticationToken");

        // And a row inserted with it as X-ZUMO-AUTH belongs to dev:alice
        String id = "devoidc-" + UUID.randomUUID();
        zumo("devoidc-" + UUID.randomUUID()).header("X-ZUMO-AUTH", session)
                .body("{\"id\":\"" + id + "\",\"text\":\"signed in\"}")
                .post("/tables/todoitem")
                .then()
                .statusCode(201);
        assertThat(TestInfrastructure.queryString(InfrastructureResource.DATABASE,
                "SELECT owner_id FROM sync_record WHERE table_name = ? AND id = ?", "todoitem", id))
                .isEqualTo("dev:alice");

        // And /.auth/me shows the provider, the user and the roles typed
        Response me = given().header("X-ZUMO-AUTH", session).get("/.auth/me");
        assertThat(me.statusCode()).isEqualTo(200);
        assertThat(me.jsonPath().getString("[0].provider_name")).isEqualTo("dev");
        assertThat(me.jsonPath().getString("[0].user_id")).isEqualTo("dev:alice");
        assertThat(me.jsonPath().getList("[0].user_claims.findAll { it.typ == 'roles' }.val"))
                .contains("reader", "writer");
    }

    @Test
    void theServerDirectedFlowEndsOnTheDonePageWithASessionForTheUserTyped() throws Exception {
        // Given a browser that starts signing in with the dev provider
        Response start = given().redirects().follow(false).get("/.auth/login/dev");
        assertThat(start.statusCode()).isEqualTo(302);
        String authorize = start.header("Location");
        assertThat(authorize).startsWith(issuer() + "/authorize?");
        String cookie = start.getCookie(STATE_COOKIE);
        assertThat(cookie).isNotBlank();

        // When it opens the provider's page
        Response page = given().urlEncodingEnabled(false).redirects().follow(false).get(authorize);

        // Then it is a form that says what it is, under the gateway's strict content policy
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.contentType()).startsWith("text/html");
        assertThat(page.asString()).contains("<form method=\"post\" action=\"/dev/oidc/authorize\"")
                .contains("development provider")
                .contains("checks no password")
                .doesNotContain("<script");
        assertThat(page.header("Content-Security-Policy")).contains("default-src 'none'");

        // When the user signs in as bob
        Map<String, String> form = query(URI.create(authorize).getRawQuery());
        form.put("username", "bob");
        form.put("action", "sign-in");
        Response signedIn = given().redirects().follow(false).formParams(form).post("/dev/oidc/authorize");

        // Then the provider sends the browser back to the gateway's callback with a code and the state
        assertThat(signedIn.statusCode()).isEqualTo(302);
        String callback = signedIn.header("Location");
        URI callbackUri = URI.create(callback);
        assertThat(callbackUri.getPath()).isEqualTo("/.auth/login/dev/callback");
        assertThat(query(callbackUri.getRawQuery())).containsKey("code").containsEntry("state", form.get("state"));

        // When the browser follows it with the sign-in's cookie
        Response done = given().urlEncodingEnabled(false)
                .redirects()
                .follow(false)
                .cookie(STATE_COOKIE, cookie)
                .get(callback);

        // Then it lands on the done page with the session token and the user in the fragment
        assertThat(done.statusCode()).as(done.asString()).isEqualTo(302);
        String location = done.header("Location");
        assertThat(location).startsWith(root.resolve("/.auth/login/done#token=").toString());
        JsonNode result = json(URLDecoder.decode(location.substring(location.indexOf("#token=") + 7),
                StandardCharsets.UTF_8));
        assertThat(result.path("user").path("userId").asText()).isEqualTo("dev:bob");
        String session = result.path("authenticationToken").asText();

        // And /.auth/me with that token shows the dev provider and the user dev:bob
        Response me = given().header("X-ZUMO-AUTH", session).get("/.auth/me");
        assertThat(me.statusCode()).isEqualTo(200);
        assertThat(me.jsonPath().getString("[0].provider_name")).isEqualTo("dev");
        assertThat(me.jsonPath().getString("[0].user_id")).isEqualTo("dev:bob");

        // And the state cannot be used a second time without its cookie
        assertThat(given().urlEncodingEnabled(false).redirects().follow(false).get(callback).statusCode())
                .isEqualTo(401);
    }

    @Test
    void aCodeIsExchangedOnceAndOnlyWithTheVerifierOfItsChallenge() throws Exception {
        // Given two codes the provider gave for one PKCE challenge
        String verifier = "verifier-" + UUID.randomUUID() + "-" + UUID.randomUUID();
        String redirect = "http://localhost:3000/signed-in";
        String first = code(challenge(verifier), redirect);
        String second = code(challenge(verifier), redirect);

        // When the first is exchanged with a wrong verifier, then it is an invalid grant
        Response wrong = exchange(first, redirect, "not-the-verifier-" + UUID.randomUUID() + UUID.randomUUID());
        assertThat(wrong.statusCode()).isEqualTo(400);
        assertThat(wrong.jsonPath().getString("error")).isEqualTo("invalid_grant");
        // And the code is spent: the right verifier no longer helps
        assertThat(exchange(first, redirect, verifier).jsonPath().getString("error")).isEqualTo("invalid_grant");

        // When the second is exchanged with the right verifier, then the id token carries the request's nonce
        Response right = exchange(second, redirect, verifier);
        assertThat(right.statusCode()).as(right.asString()).isEqualTo(200);
        JsonNode claims = json(new String(Base64.getUrlDecoder()
                .decode(right.jsonPath().getString("id_token").split("\\.")[1]), StandardCharsets.UTF_8));
        assertThat(claims.path("nonce").asText()).isEqualTo("n-1");
        assertThat(claims.path("iss").asText()).isEqualTo(issuer());
        assertThat(claims.path("aud").asText()).isEqualTo(CLIENT);
        assertThat(claims.path("sub").asText()).isEqualTo("carol");
        // And a second exchange of it is refused
        assertThat(exchange(second, redirect, verifier).jsonPath().getString("error")).isEqualTo("invalid_grant");
    }

    @Test
    void aRequestWithoutAUsableRedirectUriOrResponseTypeIsRefusedOnThePage() {
        // When the page is asked for with a script URL, with no redirect URI, or for another response type
        for (String query : new String[]{"response_type=code&client_id=x&redirect_uri=javascript:alert(1)",
                "response_type=code&client_id=x",
                "response_type=token&client_id=x&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2F"}) {
            Response page = given().urlEncodingEnabled(false)
                    .redirects()
                    .follow(false)
                    .get("/dev/oidc/authorize?" + query);
            // Then it answers 400 and sends the browser nowhere
            assertThat(page.statusCode()).as(query).isEqualTo(400);
            assertThat(page.header("Location")).as(query).isNull();
        }
        // And an unknown grant type is an OAuth error
        Response token = given().formParam("grant_type", "client_credentials")
                .formParam("client_id", CLIENT)
                .post("/dev/oidc/token");
        assertThat(token.statusCode()).isEqualTo(400);
        assertThat(token.jsonPath().getString("error")).isEqualTo("unsupported_grant_type");
    }

    /** A code for carol, from the provider's form, for {@code challenge} and {@code redirect}. */
    private static String code(String challenge, String redirect) {
        Response answer = given().redirects()
                .follow(false)
                .formParam("response_type", "code")
                .formParam("client_id", CLIENT)
                .formParam("redirect_uri", redirect)
                .formParam("state", "s-1")
                .formParam("nonce", "n-1")
                .formParam("code_challenge", challenge)
                .formParam("code_challenge_method", "S256")
                .formParam("username", "carol")
                .formParam("action", "sign-in")
                .post("/dev/oidc/authorize");
        assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(302);
        URI location = URI.create(answer.header("Location"));
        assertThat(location.getPath()).isEqualTo("/signed-in");
        return query(location.getRawQuery()).get("code");
    }

    private static Response exchange(String code, String redirect, String verifier) {
        return given().formParam("grant_type", "authorization_code")
                .formParam("client_id", CLIENT)
                .formParam("code", code)
                .formParam("redirect_uri", redirect)
                .formParam("code_verifier", verifier)
                .post("/dev/oidc/token");
    }

    private static String challenge(String verifier) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String pair : rawQuery.split("&")) {
            int equals = pair.indexOf('=');
            parameters.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
        }
        return parameters;
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new AssertionError("Not JSON: " + text, e);
        }
    }
}
