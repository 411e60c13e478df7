package io.edgesync;

import java.util.Locale;
import java.util.Optional;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.Config;

import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.embedded.DatabaseUrls;
import io.edgesync.embedded.EmbeddedInfrastructure;
import io.edgesync.security.DevTokenResource;
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
        String security = securityMode(edgeSync.security(),
                config.getOptionalValue("mp.jwt.verify.issuer", String.class));
        Log.infof("EdgeSync ready: role=%s, listening on http://%s:%d (health /q/health/ready, metrics /q/metrics,"
                + " OpenAPI /q/openapi); database: %s; kafka: %s; security: %s",
                edgeSync.role().name().toLowerCase(Locale.ROOT), host, port, database, kafka, security);
    }

    /**
     * What the banner says of security: exactly what is open, so that nobody mistakes the local default for production.
     */
    static String securityMode(EdgeSyncConfig.Security security, Optional<String> issuer) {
        if (!security.anonymous()) {
            return "bearer tokens required (issuer " + issuer.orElse("not configured")
                    + "); metrics for the admin role; CORS only for the configured origins";
        }
        return "ANONYMOUS ACCESS (no token needed; local default only); metrics open; CORS open to any origin unless"
                + " origins are configured" + (DevTokenResource.enabled(security)
                        ? "; development tokens at POST /dev/tokens"
                        : "");
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
