package io.edgesync.admin;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;

import io.edgesync.config.ActiveIn;
import io.edgesync.config.Role;

/**
 * The way into the operator console, whose page the gateway serves as static resources under {@value #CONSOLE}: the
 * root of an edge, and the console's address without its final slash, lead there.
 */
@Path("/")
@ActiveIn(Role.EDGE)
public class ConsoleEntrance {

    /** Where the console's page is. */
    public static final String CONSOLE = "/console/";

    @GET
    @Operation(hidden = true)
    public Response root() {
        return toConsole();
    }

    /** The console's address without its slash, as people type it. */
    @GET
    @Path("console")
    @Operation(hidden = true)
    public Response console() {
        return toConsole();
    }

    private static Response toConsole() {
        return Response.status(Response.Status.FOUND).header(HttpHeaders.LOCATION, CONSOLE).build();
    }
}
