package io.edgesync.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import io.quarkus.runtime.LaunchMode;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * Reads configuration before Quarkus boots, with the same sources and precedence Quarkus uses for these keys: system
 * properties, environment variables, {@code config/application.properties} in the working directory, then
 * {@code application.properties} on the class path, each with the active profile.
 */
public final class BootConfig {

    private final SmallRyeConfig config;
    private final String profile;

    private BootConfig(SmallRyeConfig config, String profile) {
        this.config = config;
        this.profile = profile;
    }

    /** Loads the configuration of the current launch mode (or of {@code quarkus.profile} when it is set). */
    public static BootConfig load() {
        String profile = Optional.ofNullable(System.getProperty("quarkus.profile"))
                .or(() -> Optional.ofNullable(System.getenv("QUARKUS_PROFILE")))
                .orElse(LaunchMode.current().getDefaultProfile());
        SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder()
                .addDefaultInterceptors()
                .addDefaultSources()
                .withProfile(profile);
        try {
            Path workingDirConfig = Path.of("config", "application.properties");
            if (Files.isRegularFile(workingDirConfig)) {
                builder.withSources(new PropertiesConfigSource(workingDirConfig.toUri().toURL(), 260));
            }
            URL classpathConfig = Thread.currentThread().getContextClassLoader().getResource("application.properties");
            if (classpathConfig != null) {
                builder.withSources(new PropertiesConfigSource(classpathConfig, 250));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read application.properties", e);
        }
        return new BootConfig(builder.build(), profile);
    }

    /** A configuration of exactly these values, for tests and tools. */
    public static BootConfig of(Map<String, String> values) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(values, "explicit", 400))
                .build();
        return new BootConfig(config, "explicit");
    }

    /** A configuration value; blank values count as absent. */
    public Optional<String> value(String key) {
        return config.getOptionalValue(key, String.class).map(String::trim).filter(v -> !v.isEmpty());
    }

    public String value(String key, String defaultValue) {
        return value(key).orElse(defaultValue);
    }

    public int intValue(String key, int defaultValue) {
        return value(key).map(Integer::parseInt).orElse(defaultValue);
    }

    public boolean booleanValue(String key, boolean defaultValue) {
        return value(key).map(Boolean::parseBoolean).orElse(defaultValue);
    }

    public String profile() {
        return profile;
    }
}
