package io.edgesync.centralapi;

import java.util.List;
import java.util.Optional;

import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.edgesync.central.MasterRows;
import io.edgesync.common.DomainException;
import io.edgesync.common.Problem;
import io.edgesync.config.ActiveIn;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.config.Role;
import io.edgesync.odata.Expr;
import io.edgesync.odata.ODataLimits;
import io.edgesync.odata.ODataParser;
import io.edgesync.security.AccessDeniedException;
import io.edgesync.security.Caller;
import io.edgesync.security.TableAccess;
import io.smallrye.mutiny.Uni;

/**
 * The central role's API for edges: a table's master rows in master-position order, paged and resumable, the part an
 * edge holds ({@code filter}, {@code owners}) or all of it. Only callers with the edges' role
 * ({@code edgesync.security.edge-role}) may read it; devices never have that role, and the network should keep them
 * away from central anyway.
 */
@Path("/central/v1/tables")
@Produces(MediaType.APPLICATION_JSON)
@ActiveIn(Role.CENTRAL)
@Tag(name = "Central API for edges")
@APIResponse(responseCode = "401", ref = "Unauthorized")
@APIResponse(responseCode = "403", description = "The caller does not have the edges' role", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "500", ref = "InternalError")
@APIResponse(responseCode = "503", ref = "ServiceUnavailable")
public class MasterRowsResource {

    static final int DEFAULT_LIMIT = 500;
    static final int MAX_LIMIT = 5000;
    private static final int MAX_OWNERS = 1000;

    private final MasterRows rows;
    private final TableAccess access;
    private final EdgeSyncConfig.Security security;
    private final ODataLimits limits;

    public MasterRowsResource(MasterRows rows, TableAccess access, EdgeSyncConfig config) {
        this.rows = rows;
        this.access = access;
        this.security = config.security();
        this.limits = config.limits().odata();
    }

    /** The tables central holds rows of. */
    public record Tables(List<String> tables) {
    }

    @GET
    @Operation(summary = "The tables central holds rows of, for an edge filling its cache")
    @APIResponse(responseCode = "200", description = "The tables' names")
    public Uni<Tables> tables() {
        return access.currentCaller().chain(caller -> {
            requireEdge(caller);
            return rows.tables().map(Tables::new);
        });
    }

    @GET
    @Path("{table}/rows")
    @Operation(summary = "A table's master rows after a master position, for an edge filling its cache")
    @APIResponse(responseCode = "200", description = "The rows, in position order, and where the next page starts")
    @APIResponse(responseCode = "400", description = "A filter, position, owner list or limit that is not valid", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<MasterRows.Page> masterRows(@PathParam("table") String table,
            @Parameter(description = "Only rows after this master position (the `next` of the page before)") @QueryParam("after") @DefaultValue("0") long after,
            @Parameter(description = "Rows per page, 1 to 5000") @QueryParam("limit") @DefaultValue("500") int limit,
            @Parameter(description = "An OData $filter over the table's columns: only matching rows") @QueryParam("filter") String filter,
            @Parameter(description = "A user id: only the rows of the users given (the parameter once per user; an id is taken whole, commas included)") @QueryParam("owners") List<String> owners) {
        if (after < 0) {
            throw DomainException.invalid("after must be a master position (0 or more)");
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw DomainException.invalid("limit must be between 1 and " + MAX_LIMIT);
        }
        // the caller first: nothing of the request is looked at for someone who may not ask
        return access.currentCaller().chain(caller -> {
            requireEdge(caller);
            Optional<Expr> parsed = Optional.ofNullable(filter)
                    .filter(text -> !text.isBlank())
                    .map(text -> ODataParser.parseFilter(text, limits));
            Optional<List<String>> ownerList = Optional.ofNullable(owners)
                    .map(given -> given.stream().filter(owner -> !owner.isEmpty()).toList())
                    .filter(given -> !given.isEmpty());
            if (ownerList.map(List::size).orElse(0) > MAX_OWNERS) {
                throw DomainException.invalid("At most " + MAX_OWNERS + " owners per request");
            }
            return rows.page(table, after, limit, parsed, ownerList);
        });
    }

    private void requireEdge(Caller caller) {
        if (access.wholeGatewayAnonymous() || caller.hasRole(security.edgeRole())) {
            return;
        }
        if (caller.isAnonymous()) {
            throw AccessDeniedException.unauthenticated();
        }
        throw AccessDeniedException.forbidden("The central API for edges needs the role '" + security.edgeRole() + "'");
    }
}
