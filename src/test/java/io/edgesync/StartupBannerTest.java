package io.edgesync;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.edgesync.config.EdgeSyncConfig;

import static org.assertj.core.api.Assertions.assertThat;

class StartupBannerTest {

    @Test
    void withAnonymousAccessOffTheBannerPromisesNoDevelopmentDoor() {
        // Given anonymous access off, an issuer, and development tokens switched on
        // When the banner describes that security mode
        String banner = StartupBanner.securityMode(security(false, true), Optional.of("https://id.example"));

        // Then it asks for bearer tokens from that issuer and keeps metrics for the admin role
        // And it mentions neither development tokens nor anonymous access
        assertThat(banner).startsWith("bearer tokens required (issuer https://id.example)")
                .contains("metrics for the admin role")
                .doesNotContain("development tokens")
                .doesNotContain("ANONYMOUS");
    }

    @Test
    void inAnonymousModeTheBannerSaysWhatIsOpen() {
        // Given anonymous access on, with development tokens
        // When the banner describes that security mode
        String banner = StartupBanner.securityMode(security(true, true), Optional.empty());

        // Then it says anonymous access, open metrics, CORS open to any origin and where to mint development tokens
        assertThat(banner).startsWith("ANONYMOUS ACCESS")
                .contains("metrics open")
                .contains("CORS open to any origin")
                .contains("development tokens at POST /dev/tokens");
        // And with development tokens off it does not mention them
        assertThat(StartupBanner.securityMode(security(true, false), Optional.empty()))
                .doesNotContain("development tokens");
    }

    private static EdgeSyncConfig.Security security(boolean anonymous, boolean devTokens) {
        return new EdgeSyncConfig.Security() {
            @Override
            public boolean anonymous() {
                return anonymous;
            }

            @Override
            public String adminRole() {
                return "admin";
            }

            @Override
            public String edgeRole() {
                return "edge";
            }

            @Override
            public boolean devTokens() {
                return devTokens;
            }

            @Override
            public java.util.List<String> trustedProxies() {
                return java.util.List.of("127.0.0.1");
            }
        };
    }
}
