package io.edgesync.protocol.nativeapi;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.ResponseHeader;
import org.jboss.resteasy.reactive.RestStreamElementType;

import io.edgesync.common.DomainException;
import io.edgesync.common.Problem;
import io.edgesync.config.ActiveIn;
import io.edgesync.config.Role;
import io.edgesync.device.DeviceIds;
import io.edgesync.notify.ChangeStreamEvent;
import io.edgesync.notify.ChangeStreamService;
import io.edgesync.notify.FollowedTables;
import io.edgesync.notify.GuardedStream;
import io.edgesync.notify.StreamEvent;
import io.edgesync.notify.StreamGuard;
import io.edgesync.security.AccessDeniedException;
import io.edgesync.security.Caller;
import io.edgesync.security.TableAccess;
import io.smallrye.mutiny.Multi;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * Native sync API: change notifications. A device that keeps this stream open learns within a second that a table it
 * follows changed, and pulls instead of polling. Errors before the stream opens are problem+json.
 */
@Path("/sync/v1/devices/{deviceId}")
@ActiveIn(Role.EDGE)
@Tag(name = "Native sync API")
public class ChangeEventsResource {

    /** Reconnect delay suggested to clients (the SSE {@code retry} field), in milliseconds. */
    static final long RECONNECT_DELAY_MILLIS = 3_000;

    private final ChangeStreamService streams;
    private final TableAccess access;

    public ChangeEventsResource(ChangeStreamService streams, TableAccess access) {
        this.streams = streams;
        this.access = access;
    }

    @GET
    @Path("events")
    @GuardedStream
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @ResponseHeader(name = "Cache-Control", value = "no-store")
    @ResponseHeader(name = "X-Accel-Buffering", value = "no")
    @Operation(summary = "Stream change notifications (server-sent events): 'ready' once, then 'change'"
            + " {table, at} whenever a followed table changes; keep-alive comments in between")
    @APIResponse(responseCode = "200", description = "The stream, until the client closes it", content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS, schema = @Schema(implementation = ChangeStreamEvent.class)))
    @APIResponse(responseCode = "400", description = "Invalid device id or tables", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", description = "The caller's roles may not read a followed table, or the device belongs to another user", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "429", ref = "TooManyRequests")
    @APIResponse(responseCode = "500", ref = "InternalError")
    @APIResponse(responseCode = "503", ref = "ServiceUnavailable")
    @Parameter(name = "tables", in = ParameterIn.QUERY, schema = @Schema(type = SchemaType.STRING), description = "Tables to follow, comma-separated, case-insensitive; all tables when absent")
    public Multi<OutboundSseEvent> streamChanges(@PathParam("deviceId") String deviceId,
            @Context HttpServerRequest request, @Context Sse sse, @Context RoutingContext routing) {
        if (!DeviceIds.isValid(deviceId)) {
            throw DomainException.invalid("Invalid device id");
        }
        // The raw parameters: a bound @QueryParam list drops "tables=", which must be a 400, not all tables.
        FollowedTables followed = FollowedTables.parse(request.params().getAll("tables"));
        // Only changes of tables the caller may read, of rows it may see (its own, or shared ones): StreamGuard
        // checked the caller.
        Caller caller = StreamGuard.callerOf(routing);
        for (String table : followed.tables()) {
            if (!access.mayRead(caller, table)) {
                throw AccessDeniedException.forbidden("Your roles may not read table '" + table + "'");
            }
        }
        return streams.openStream(deviceId, followed,
                change -> access.mayRead(caller, change.table()) && change.visibleTo(caller.subject()))
                .map(event -> toSseEvent(sse, event));
    }

    private static OutboundSseEvent toSseEvent(Sse sse, StreamEvent event) {
        if (event.isKeepAlive()) {
            return sse.newEventBuilder()
                    .comment(StreamEvent.KEEP_ALIVE_COMMENT)
                    .build();
        }
        OutboundSseEvent.Builder builder = sse.newEventBuilder()
                .name(event.name())
                .data(event.data());
        if (StreamEvent.READY.equals(event.name())) {
            builder.reconnectDelay(RECONNECT_DELAY_MILLIS);
        }
        return builder.build();
    }
}
