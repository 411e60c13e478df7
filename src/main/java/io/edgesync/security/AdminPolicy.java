package io.edgesync.security;

import jakarta.enterprise.context.ApplicationScoped;

import io.edgesync.config.EdgeSyncConfig;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.HttpSecurityPolicy;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

/**
 * The HTTP permission {@value #NAME} ({@code /q/metrics}): the admin role, or anyone while the gateway runs in
 * anonymous mode ({@code edgesync.security.anonymous}). It follows the security mode, not the configuration profile:
 * turning anonymous access off closes the metrics too.
 */
@ApplicationScoped
public class AdminPolicy implements HttpSecurityPolicy {

    /** The policy's name in {@code quarkus.http.auth.permission.*.policy}. */
    public static final String NAME = "edgesync-admin";

    private final EdgeSyncConfig.Security security;

    public AdminPolicy(EdgeSyncConfig config) {
        this.security = config.security();
    }

    @Override
    public Uni<CheckResult> checkPermission(RoutingContext request, Uni<SecurityIdentity> identity,
            AuthorizationRequestContext context) {
        if (security.anonymous()) {
            return CheckResult.permit();
        }
        return identity.map(caller -> caller != null && !caller.isAnonymous()
                && caller.getRoles().contains(security.adminRole())
                        ? CheckResult.PERMIT
                        : CheckResult.DENY);
    }

    @Override
    public String name() {
        return NAME;
    }
}
