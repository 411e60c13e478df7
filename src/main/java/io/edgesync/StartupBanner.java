package io.edgesync;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.Config;

import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.embedded.DatabaseUrls;
import io.edgesync.embedded.EmbeddedInfrastructure;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;

/** One log line at start-up that says what this process does, where it listens and which endpoints it uses. */
@Singleton
public class StartupBanner {

    void onStart(@Observes StartupEvent event, EdgeSyncConfig edgeSync, Config config) {
        String host = config.getOptionalValue("quarkus.http.host", String.class).orElse("0.0.0.0");
        int port = config.getOptionalValue("quarkus.http.port", Integer.class).orElse(8080);
        String database = describe(EmbeddedInfrastructure.DATABASE_DESCRIPTION, config,
                EmbeddedInfrastructure.REACTIVE_URL);
        String kafka = describe(EmbeddedInfrastructure.KAFKA_DESCRIPTION, config,
                EmbeddedInfrastructure.KAFKA_BOOTSTRAP);
        String security = edgeSync.security().anonymous()
                ? "ANONYMOUS ACCESS (no token needed; local default only)"
                        + (edgeSync.security().devTokens() ? ", development tokens at POST /dev/tokens" : "")
                : "bearer tokens required (issuer " + config.getOptionalValue("mp.jwt.verify.issuer", String.class)
                        .orElse("not configured") + ")";
        Log.infof("EdgeSync ready: role=%s, listening on http://%s:%d (health /q/health/ready, metrics /q/metrics,"
                + " OpenAPI /q/openapi); database: %s; kafka: %s; security: %s",
                edgeSync.role().name().toLowerCase(), host, port, database, kafka, security);
    }

    private static String describe(String descriptionProperty, Config config, String urlKey) {
        String description = System.getProperty(descriptionProperty);
        if (description != null) {
            return description;
        }
        return config.getOptionalValue(urlKey, String.class)
                .map(url -> "configured " + DatabaseUrls.redact(url))
                .orElse("not configured");
    }
}
