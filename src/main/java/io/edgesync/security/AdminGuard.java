package io.edgesync.security;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.edgesync.common.ProblemExceptionMappers;
import io.smallrye.mutiny.Uni;

/** The admin API needs the admin role (or a gateway configured as wholly anonymous). */
public class AdminGuard {

    private final TableAccess access;

    public AdminGuard(TableAccess access) {
        this.access = access;
    }

    @ServerRequestFilter
    public Uni<Response> requireAdmin(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.equals("/admin") && !path.startsWith("/admin/")) {
            return Uni.createFrom().nullItem();
        }
        return access.requireAdmin()
                .map(caller -> (Response) null)
                .onFailure(AccessDeniedException.class)
                .recoverWithItem(ProblemExceptionMappers::responseOf);
    }
}
