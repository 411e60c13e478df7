package io.edgesync.protocol.nativeapi;

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
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.common.Deadlines;
import io.edgesync.common.DomainException;
import io.edgesync.common.Problem;
import io.edgesync.config.ActiveIn;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.config.Role;
import io.edgesync.security.AccessDeniedException;
import io.edgesync.security.TableAccess;
import io.smallrye.mutiny.Uni;

/**
 * The native sync API: ordered, idempotent batch push and token-based pull. Answers are JSON trees (records are the
 * tables' own columns); {@link PullPage}, {@link PushResult} and the class's annotations describe them in the OpenAPI
 * document.
 */
@Path("/sync/v1/devices/{deviceId}")
@Produces(MediaType.APPLICATION_JSON)
@ActiveIn(Role.EDGE)
@Tag(name = "Native sync API")
@APIResponse(responseCode = "400", description = "Invalid device id, parameter or body", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "401", ref = "Unauthorized")
@APIResponse(responseCode = "403", description = "The caller's roles may not use the table, or the device belongs to another user", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "429", ref = "TooManyRequests")
@APIResponse(responseCode = "500", ref = "InternalError")
@APIResponse(responseCode = "503", ref = "ServiceUnavailable")
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
    @APIResponse(responseCode = "200", description = "One result per operation, in the batch's order", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PushResult.class)))
    @APIResponse(responseCode = "413", description = "The body or an item is larger than the limit", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "415", description = "The body is not JSON", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<ObjectNode> pushOperations(@PathParam("deviceId") String deviceId,
            @HeaderParam("X-EdgeSync-Client") String clientVersion, PushRequest request) {
        return access.currentCaller()
                .invoke(caller -> {
                    // Without a token only operations on tables open to anonymous callers go through.
                    boolean anonymousOk = access.allowsAnonymous("")
                            || (request != null && request.operations() != null && !request.operations().isEmpty()
                                    && request.operations()
                                            .stream()
                                            .allMatch(op -> op != null && op.table() != null
                                                    && access.allowsAnonymous(op.table())));
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
    @APIResponse(responseCode = "200", description = "The changes after the token and the token after them", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PullPage.class)))
    @APIResponse(responseCode = "404", description = "The table does not exist", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "410", description = "Deletes older than the token were purged: pull again without a token and replace the local table (problem type urn:edgesync:problem:resync-required)", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<ObjectNode> pullChanges(@PathParam("deviceId") String deviceId,
            @Parameter(description = "The table to pull", required = true) @QueryParam("table") String table,
            @Parameter(description = "The previous page's token; none starts an initial sync") @QueryParam("token") String token,
            @Parameter(description = "Changes per page, 1 to 10000 (default 500)") @QueryParam("limit") String limit,
            @Parameter(description = "The device's name for this pull, kept with its replica state (cut to 200 characters)") @QueryParam("query") @DefaultValue("") String queryId) {
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
            throw DomainException.invalid("limit must be a number between 1 and " + PullService.MAX_LIMIT);
        }
    }

    private ObjectNode resultsBody(List<ObjectNode> results) {
        ObjectNode body = json.createObjectNode();
        ArrayNode array = body.putArray("results");
        results.forEach(array::add);
        return body;
    }
}
