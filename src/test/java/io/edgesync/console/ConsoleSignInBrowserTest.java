package io.edgesync.console;

import java.net.URL;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import io.edgesync.testsupport.AnonymousOff;
import io.edgesync.testsupport.Browser;
import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console on a gateway that is not anonymous (the shared profile {@link AnonymousOff}: one start of the application
 * with the other tests of that gateway): it asks for a token, refuses one without the admin role in words, and works
 * with an admin's token until signed out.
 */
@QuarkusTest
@TestProfile(AnonymousOff.class)
@WithTestResource(InfrastructureResource.class)
class ConsoleSignInBrowserTest {

    @RegisterExtension
    static final Browser.PerClass CHROMIUM = new Browser.PerClass();

    @TestHTTPResource("/console/")
    URL console;

    @Test
    void aTokenWithoutTheAdminRoleIsRefusedAndAnAdminsTokenSignsIn() {
        // Given a gateway that is not anonymous, and a browser without a token
        browser().open(console + "#/devices");

        // Then the console asks for a token, and says nothing of an anonymous gateway
        browser().visible(By.id("sign-in-title"));
        assertThat(browser().visible(By.id("sign-in-problem")).getText()).contains("needs a bearer token");
        assertThat(browser().driver().findElement(By.id("anonymous-banner")).isDisplayed()).isFalse();
        assertThat(browser().driver().findElement(By.id("sign-out")).isDisplayed()).isFalse();

        // When a token without the admin role is given
        signIn(TestTokens.token("bob"));

        // Then the console says that this token does not have the admin role
        browser().textUntil(By.id("sign-in-problem"),
                text -> text.contains("This token does not have the admin role"));
        browser().screenshot("sign-in");

        // When an administrator's token is given
        signIn(TestTokens.token("root", "admin"));

        // Then the devices page shows, with a way to sign out, and the token is kept in the tab's session storage
        browser().visible(By.id("devices-table"));
        assertThat(browser().driver().findElements(By.id("sign-in-title"))).isEmpty();
        assertThat(browser().script("return sessionStorage.getItem('edgesync.token');")).isNotNull();

        // And it is still signed in after a reload
        browser().reload();
        browser().visible(By.id("devices-table"));

        // When the administrator signs out
        browser().visible(By.id("sign-out")).click();

        // Then the token is gone and the console asks for one again
        browser().visible(By.id("sign-in-title"));
        assertThat(browser().script("return sessionStorage.getItem('edgesync.token');")).isNull();
        assertThat(browser().driver().findElement(By.id("sign-out")).isDisplayed()).isFalse();
    }

    private static void signIn(String token) {
        WebElement input = browser().visible(By.id("token"));
        input.clear();
        input.sendKeys(token);
        browser().driver().findElement(By.cssSelector("#sign-in-form button[type='submit']")).click();
    }

    private static Browser browser() {
        return CHROMIUM.browser();
    }
}
