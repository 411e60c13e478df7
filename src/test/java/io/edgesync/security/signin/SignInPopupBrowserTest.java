package io.edgesync.security.signin;

import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import io.edgesync.testsupport.Browser;
import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.SignInProviders;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The browser SDK's popup sign-in in a real browser (Chromium): an app page of an allowed origin opens
 * {@code /.auth/login/idp?completion_type=postMessage&completion_origin=<its origin>} in a popup, the user signs in at
 * the real OpenID Connect provider's page, and the gateway's last page in the popup hands the result to the app with
 * {@code postMessage}, under the gateway's Content-Security-Policy, in the envelope the Azure browser SDK reads
 * ({@code {"type":"LoginCompleted","oauth":{"authenticationToken","user":{"userId"}}}}).
 */
@QuarkusTest
@TestProfile(SignInProviders.class)
@WithTestResource(InfrastructureResource.class)
class SignInPopupBrowserTest {

    @RegisterExtension
    static final Browser.PerClass CHROMIUM = new Browser.PerClass();

    /** The app's page: a button that opens the sign-in popup, and what the page heard from it. */
    private static final String APP_PAGE = """
            <!doctype html><html><head><meta charset="utf-8"><title>App</title></head><body>
            <button id="sign-in">Sign in</button><pre id="heard"></pre>
            <script>
              window.addEventListener('message', function (event) {
                document.getElementById('heard').textContent = JSON.stringify({origin: event.origin, data: event.data});
              });
              document.getElementById('sign-in').addEventListener('click', function () {
                window.open('GATEWAY/.auth/login/idp?completion_type=postMessage&completion_origin='
                    + encodeURIComponent(location.origin), '_blank', 'location=no,resizable=yes');
              });
            </script></body></html>""";

    @TestHTTPResource("/")
    URL root;

    @Test
    void thePopupHandsTheSessionTokenToTheAppThatOpenedIt() throws Exception {
        // Given an app page served at an allowed origin
        String gateway = root.toString().replaceAll("/+$", "");
        HttpServer app = HttpServer.create(new InetSocketAddress("localhost", SignInProviders.APP_PORT), 0);
        byte[] page = APP_PAGE.replace("GATEWAY", gateway).getBytes(StandardCharsets.UTF_8);
        app.createContext("/app/", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        app.start();
        try {
            Browser browser = CHROMIUM.browser();
            WebDriver driver = browser.driver();
            browser.open(SignInProviders.APP_URL + "index.html");
            String appWindow = driver.getWindowHandle();
            String user = "rosa-" + UUID.randomUUID().toString().substring(0, 8);

            // When the user clicks "Sign in" and signs in at the provider's page in the popup
            driver.findElement(By.id("sign-in")).click();
            new WebDriverWait(driver, Duration.ofSeconds(10)).until(d -> d.getWindowHandles().size() == 2);
            Set<String> windows = driver.getWindowHandles();
            windows.remove(appWindow);
            driver.switchTo().window(windows.iterator().next());
            browser.visible(By.name("username")).sendKeys(user);
            driver.findElement(By.cssSelector("form [type=submit], form button")).click();

            // Then the app page hears the LoginCompleted message from the gateway's origin, with the session token
            driver.switchTo().window(appWindow);
            String heard = browser.textUntil(By.id("heard"), text -> !text.isBlank());
            JsonNode message = new ObjectMapper().readTree(heard);
            assertThat(message.path("origin").asText()).isEqualTo(gateway);
            JsonNode envelope = new ObjectMapper().readTree(message.path("data").asText());
            assertThat(envelope.path("type").asText()).isEqualTo("LoginCompleted");
            assertThat(envelope.path("oauth").path("user").path("userId").asText()).isEqualTo("idp:" + user);
            String token = envelope.path("oauth").path("authenticationToken").asText();
            assertThat(token.split("\\.")).hasSize(3);
            assertThat(browser.browserLog()).doesNotContain("Content Security Policy");
            // And the token is the user's session: /.auth/me says who it is
            assertThat(given().header("X-ZUMO-AUTH", token)
                    .get("/.auth/me")
                    .jsonPath()
                    .getString("[0].user_id")).isEqualTo("idp:" + user);
        } finally {
            app.stop(0);
        }
    }
}
