package io.edgesync.security;

import java.nio.file.Path;

import io.edgesync.embedded.BootConfig;
import io.edgesync.embedded.EmbeddedInfrastructure;

/**
 * Security of the local default: unless a token verification key is configured, tokens are verified (and development
 * tokens signed) with a key pair kept in the data directory. Anonymous access and development tokens themselves are
 * switched on by the {@code local} profile.
 */
public final class LocalSecurity {

    private LocalSecurity() {
    }

    public static void configure(BootConfig config) {
        if (config.value("mp.jwt.verify.publickey.location").isPresent()
                || config.value("mp.jwt.verify.publickey").isPresent()) {
            return;
        }
        Path dataDir = Path.of(config.value(EmbeddedInfrastructure.DATA_DIR, "data")).toAbsolutePath().normalize();
        DevKeys.ensureKeys(dataDir.resolve("jwt")).forEach((key, value) -> {
            if (config.value(key).isEmpty()) {
                System.setProperty(key, value);
            }
        });
    }
}
