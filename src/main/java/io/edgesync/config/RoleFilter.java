package io.edgesync.config;

import jakarta.ws.rs.NotFoundException;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

/** Hides the endpoints of roles this process does not run. */
public class RoleFilter {

    private final Role role;

    public RoleFilter(EdgeSyncConfig config) {
        this.role = config.role();
    }

    @ServerRequestFilter
    public void hideInactiveEndpoints(SimpleResourceInfo resource) {
        if (resource == null || resource.getResourceClass() == null) {
            return;
        }
        ActiveIn activeIn = resource.getResourceClass().getAnnotation(ActiveIn.class);
        if (activeIn != null && !role.includes(activeIn.value())) {
            throw new NotFoundException();
        }
    }
}
