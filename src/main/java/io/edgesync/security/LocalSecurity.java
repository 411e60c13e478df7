package io.edgesync.security;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import io.edgesync.embedded.BootConfig;
import io.edgesync.embedded.EmbeddedInfrastructure;

/**
 * Security of the local default: unless a token verification key is configured, tokens are verified (and development
 * tokens signed) with a key pair kept in the data directory. Anonymous access and development tokens themselves are
 * switched on by the {@code local} profile.
 *
 * <p> Quarkus's build may hand the application keys of its own: {@code mvnw quarkus:run} starts it with the settings of
 * the JWT extension's development service ({@code NONE} for a key it did not generate, and an issuer of its own). Those
 * are not a configured key: the local key pair replaces them, issuer included, so that the development tokens the
 * gateway signs are the ones it accepts.
 */
public final class LocalSecurity {

    private static final List<String> VERIFICATION_KEYS = List.of("mp.jwt.verify.publickey.location",
            "mp.jwt.verify.publickey");

    /** Settings the JWT extension's development service passes for keys it leaves unset. */
    private static final List<String> DEV_SERVICE_KEYS = List.of("mp.jwt.verify.publickey", "smallrye.jwt.sign.key");

    private LocalSecurity() {
    }

    public static void configure(BootConfig config) {
        if (VERIFICATION_KEYS.stream().anyMatch(key -> configured(config.value(key)))) {
            return;
        }
        for (String key : DEV_SERVICE_KEYS) {
            if (!configured(Optional.ofNullable(System.getProperty(key)))) {
                System.clearProperty(key);
            }
        }
        Path dataDir = Path.of(config.value(EmbeddedInfrastructure.DATA_DIR, "data")).toAbsolutePath().normalize();
        DevKeys.ensureKeys(dataDir.resolve("jwt")).forEach(System::setProperty);
    }

    /** Whether a key setting names a real key (not the build's placeholder or "none"). */
    private static boolean configured(Optional<String> value) {
        return value.filter(v -> !v.isBlank() && !v.equalsIgnoreCase("NONE") && !v.equals(DevKeys.UNSET_LOCATION))
                .isPresent();
    }
}
