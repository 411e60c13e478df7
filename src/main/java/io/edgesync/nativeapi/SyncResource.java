package io.edgesync.nativeapi;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.common.ApiException;
import io.edgesync.common.Deadlines;
import io.edgesync.config.ActiveIn;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.config.Role;
import io.edgesync.security.AccessDeniedException;
import io.edgesync.security.TableAccess;
import io.smallrye.mutiny.Uni;

/** The native sync API: ordered, idempotent batch push and token-based pull. */
@Path("/sync/v1/devices/{deviceId}")
@Produces(MediaType.APPLICATION_JSON)
@ActiveIn(Role.EDGE)
@Tag(name = "Native sync API")
public class SyncResource {

    private final PushService push;
    private final PullService pull;
    private final TableAccess access;
    private final ObjectMapper json;

    private final Duration requestTimeout;

    public SyncResource(PushService push, PullService pull, TableAccess access, ObjectMapper json,
            EdgeSyncConfig config) {
        this.requestTimeout = Duration.ofMillis(config.limits().requestTimeoutMillis());
        this.push = push;
        this.pull = pull;
        this.access = access;
        this.json = json;
    }

    @POST
    @Path("push")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Push an ordered batch of operations; one result per operation, idempotent by operationId")
    public Uni<ObjectNode> pushOperations(@PathParam("deviceId") String deviceId,
            @HeaderParam("X-EdgeSync-Client") String clientVersion, PushRequest request) {
        return access.currentCaller()
                .invoke(caller -> {
                    // Without a token only operations on tables open to anonymous callers go through.
                    boolean anonymousOk = access.allowsAnonymous("")
                            || request != null && request.operations() != null && !request.operations().isEmpty()
                                    && request.operations()
                                            .stream()
                                            .allMatch(op -> op != null && op.table() != null
                                                    && access.allowsAnonymous(op.table()));
                    if (caller.isAnonymous() && !anonymousOk) {
                        throw AccessDeniedException.unauthenticated();
                    }
                })
                .chain(caller -> Deadlines.within(push.pushOperations(deviceId, clientVersion, request, caller),
                        requestTimeout))
                .map(this::resultsBody);
    }

    @GET
    @Path("pull")
    @Operation(summary = "Changes of a table after a token, with the next token; no token starts an initial sync")
    public Uni<ObjectNode> pullChanges(@PathParam("deviceId") String deviceId, @QueryParam("table") String table,
            @QueryParam("token") String token,
            @QueryParam("limit") String limit, @QueryParam("query") @DefaultValue("") String queryId) {
        int pageSize = parseLimit(limit);
        return access.currentCaller()
                .chain(caller -> Deadlines.within(pull.pullChanges(deviceId, table, Optional.ofNullable(token),
                        pageSize, queryId.length() > 200 ? queryId.substring(0, 200) : queryId, caller),
                        requestTimeout));
    }

    private static int parseLimit(String limit) {
        if (limit == null || limit.isBlank()) {
            return PullService.DEFAULT_LIMIT;
        }
        try {
            return Integer.parseInt(limit.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("limit must be a number between 1 and " + PullService.MAX_LIMIT);
        }
    }

    private ObjectNode resultsBody(List<ObjectNode> results) {
        ObjectNode body = json.createObjectNode();
        ArrayNode array = body.putArray("results");
        results.forEach(array::add);
        return body;
    }
}
