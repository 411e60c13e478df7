package io.edgesync.security;

import jakarta.annotation.Priority;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.Priorities;

/**
 * Cross-origin requests follow the security mode: in anonymous mode ({@code edgesync.security.anonymous}, the local
 * default) a browser app of any origin may call the gateway, unless {@code quarkus.http.cors.origins} lists origins;
 * with anonymous access off only the listed origins may, and none when the list is empty. The configuration profile
 * alone never opens it.
 */
@Priority(Priorities.APPLICATION)
public class AnonymousModeCors implements ConfigSourceInterceptor {

    private static final long serialVersionUID = 1L;

    static final String ORIGINS = "quarkus.http.cors.origins";
    static final String ANY_ORIGIN = "/.*/";

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue value = context.proceed(name);
        if (value != null || !ORIGINS.equals(name)) {
            return value;
        }
        ConfigValue anonymous = context.proceed("edgesync.security.anonymous");
        if (anonymous == null || !"true".equalsIgnoreCase(anonymous.getValue())) {
            return null;
        }
        return ConfigValue.builder()
                .withName(ORIGINS)
                .withValue(ANY_ORIGIN)
                .withRawValue(ANY_ORIGIN)
                .withConfigSourceName("EdgeSync anonymous mode")
                .build();
    }
}
