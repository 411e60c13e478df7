package io.edgesync.compat;

import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real JavaScript SDK at full speed (a bulk import with 12 requests in flight, its paged first pull, a long offline
 * queue pushed and pulled: {@code src/test/js/full-speed-sync.js}) against the default rate limits: a legitimate sync
 * never meets a 429, which the SDK does not retry.
 */
@QuarkusTest
@TestProfile(JsClientAtFullSpeedTest.DefaultRateLimits.class)
@WithTestResource(InfrastructureResource.class)
class JsClientAtFullSpeedTest {

    /** The rate limits as shipped (the test profile turns them off elsewhere). */
    public static class DefaultRateLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("%test.edgesync.limits.rate-limit.enabled", "true");
        }
    }

    @TestHTTPResource("/")
    URL root;

    @Test
    void aBulkImportAndALongOfflineQueueAtFullSpeedStayUnderTheDefaultRateLimits() throws Exception {
        // Given the real JavaScript SDK ready to run under node, against the gateway with its default rate limits
        Path node = NodeScripts.prepare();
        String baseUrl = root.toString().replaceAll("/+$", "");

        // When its full-speed script bulk-imports, pulls page by page, and pushes and pulls a long offline queue
        NodeScripts.Run run = NodeScripts.run("full-speed", List.of(node.toString(), "full-speed-sync.js", baseUrl),
                Duration.ofMinutes(3));

        // Then the script succeeds: every request went through, no 429 among them
        assertThat(run.exitCode()).as("node full-speed-sync.js %s%s; output:%n%s", baseUrl, run.timeoutNote(),
                run.output()).isZero();
        assertThat(run.output()).contains("FULL-SPEED-SYNC OK");
    }
}
