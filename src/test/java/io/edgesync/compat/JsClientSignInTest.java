package io.edgesync.compat;

import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.OidcProvider;
import io.edgesync.testsupport.SignInProviders;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An Azure Mobile Apps app that signs in before it syncs works unchanged: the real JavaScript SDK signs in with an id
 * token of a real OpenID Connect provider ({@code client.login("idp", {id_token})}), runs the whole offline-sync story
 * as that user with tokens required (every further device signs in with the kept session token), and a second user
 * signs in and sees none of the first user's rows ({@code src/test/js/offline-sync-story.js}, signed-in mode).
 */
@QuarkusTest
@TestProfile(SignInProviders.class)
@WithTestResource(InfrastructureResource.class)
class JsClientSignInTest {

    private static final Duration STORY_TIMEOUT = Duration.ofMinutes(2);

    @TestHTTPResource("/")
    URL root;

    @Test
    void theJsClientSignsInWithTheProvidersTokenAndSyncsAsThatUser() throws Exception {
        // Given Node.js with the SDK, an id token the provider issued to one user and an access token to another
        Path node = NodeScripts.prepare();
        OidcProvider oidc = SignInProviders.Provider.oidc();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String first = oidc.tokens("idp", SignInProviders.CLIENT_ID, "olivia-" + suffix, Map.of()).idToken();
        String second = oidc.tokens("idp", SignInProviders.CLIENT_ID, "peter-" + suffix, Map.of()).accessToken();

        // When the story signs in with the first and runs, with tokens required
        String baseUrl = root.toString().replaceAll("/+$", "");
        NodeScripts.Run story = NodeScripts.run("signed-in story",
                List.of(node.toString(), "offline-sync-story.js", baseUrl), STORY_TIMEOUT,
                Map.of("STORY_LOGIN_PROVIDER", "idp", "STORY_LOGIN_ID_TOKEN", first, "STORY_OTHER_ACCESS_TOKEN",
                        second));

        // Then every step passed, the sign-ins and the second user's view included
        assertThat(story.exitCode()).as("exit code of the signed-in story%s; output:%n%s", story.timeoutNote(),
                story.output()).isZero();
        assertThat(story.output()).contains("signed in as idp:olivia-" + suffix,
                "10: a second user signs in and sees none", "OFFLINE-SYNC-STORY OK");
    }
}
