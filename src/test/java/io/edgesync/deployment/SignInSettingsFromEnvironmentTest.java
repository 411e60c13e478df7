package io.edgesync.deployment;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.edgesync.config.EdgeSyncConfig;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deployments configure sign-in providers through environment variables (the ConfigMap and the Secret of the Kubernetes
 * manifests): {@code EDGESYNC_AUTH_PROVIDERS_<NAME>_<SETTING>} names provider {@code <name>} in lower case.
 */
class SignInSettingsFromEnvironmentTest {

    @Test
    void aProviderNamedOnlyInEnvironmentVariablesIsConfigured() {
        // Given the variables a deployment sets for Microsoft Entra ID as provider "aad"
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(EdgeSyncConfig.class)
                .withSources(new EnvConfigSource(Map.of(
                        "EDGESYNC_AUTH_PROVIDERS_AAD_ISSUER", "https://login.microsoftonline.com/tenant/v2.0",
                        "EDGESYNC_AUTH_PROVIDERS_AAD_CLIENT_ID", "app-id",
                        "EDGESYNC_AUTH_PROVIDERS_AAD_CLIENT_SECRET", "secret",
                        "EDGESYNC_AUTH_PROVIDERS_AAD_REDIRECT_URLS",
                        "https://app.example.com/,https://admin.example.com/"),
                        300))
                .build();

        // When the gateway reads its settings
        EdgeSyncConfig.Auth.Provider aad = config.getConfigMapping(EdgeSyncConfig.class).auth().providers().get("aad");

        // Then the provider is there with every setting, and the defaults of the rest
        assertThat(aad).isNotNull();
        assertThat(aad.issuer()).isEqualTo("https://login.microsoftonline.com/tenant/v2.0");
        assertThat(aad.clientId()).isEqualTo("app-id");
        assertThat(aad.clientSecret()).contains("secret");
        assertThat(aad.redirectUrls().orElseThrow()).containsExactly("https://app.example.com/",
                "https://admin.example.com/");
        assertThat(aad.userIdClaim()).isEqualTo("sub");
    }
}
