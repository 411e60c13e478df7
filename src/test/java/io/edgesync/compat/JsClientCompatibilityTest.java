package io.edgesync.compat;

import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real Azure Mobile Apps JavaScript client SDK (npm {@code azure-mobile-apps-client} 2.0.1, pinned in
 * {@code src/test/js/package-lock.json}) runs its whole offline-sync story against this application: local inserts,
 * updates and deletes, push, incremental and vanilla pulls, 412 conflicts, 404 push errors and purge
 * ({@code src/test/js/offline-sync-story.js}). Needs Node.js and npm on the PATH and the npm registry for
 * {@code npm ci}; without Node.js the test is skipped, never silently passed.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class JsClientCompatibilityTest {

    private static final Duration STORY_TIMEOUT = Duration.ofMinutes(2);
    private static final String SUCCESS_LINE = "OFFLINE-SYNC-STORY OK";

    @TestHTTPResource("/")
    URL root;

    @Test
    void azureMobileAppsJsClientCompletesTheOfflineSyncStory() throws Exception {
        // Given Node.js, and the story with the SDK installed exactly as locked
        Path node = NodeScripts.prepare();

        // When the story runs against this application
        String baseUrl = root.toString().replaceAll("/+$", "");
        NodeScripts.Run story = NodeScripts.run("story", List.of(node.toString(), "offline-sync-story.js", baseUrl),
                STORY_TIMEOUT);

        // Then every step passed
        assertThat(story.exitCode()).as("exit code of node offline-sync-story.js %s%s; output:%n%s", baseUrl,
                story.timeoutNote(), story.output()).isZero();
        assertThat(story.output()).contains(SUCCESS_LINE);
    }
}
