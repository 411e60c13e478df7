package io.edgesync.notify;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.edgesync.common.DomainException;
import io.edgesync.common.ProblemExceptionMappers;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.device.DeviceIds;
import io.edgesync.device.DeviceQueue;
import io.edgesync.security.AccessDeniedException;
import io.edgesync.security.Caller;
import io.edgesync.security.TableAccess;
import io.smallrye.mutiny.Uni;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;

/**
 * Checks a change-notification stream before it opens (once it streams, errors can no longer be answered): the caller
 * must be authenticated (unless the gateway is anonymous), the device must be the caller's, and neither the device nor
 * the caller may hold more than {@code edgesync.limits.max-streams-per-device} and {@code max-streams-per-user} streams
 * (429).
 */
public class StreamGuard {

    /** Where the checked caller waits for the resource. */
    static final String CALLER = "edgesync.stream.caller";

    private static final Pattern EVENTS = Pattern.compile("^/sync/v1/devices/([^/]+)/events/?$");

    private final TableAccess access;
    private final DeviceQueue devices;
    private final ChangeStreamService streams;
    private final int maxStreamsPerDevice;
    private final int maxStreamsPerCaller;

    public StreamGuard(TableAccess access, DeviceQueue devices, ChangeStreamService streams, EdgeSyncConfig config) {
        this.access = access;
        this.devices = devices;
        this.streams = streams;
        this.maxStreamsPerDevice = config.limits().maxStreamsPerDevice();
        this.maxStreamsPerCaller = config.limits().maxStreamsPerUser();
    }

    @ServerRequestFilter
    @GuardedStream
    public Uni<Response> guardStream(ContainerRequestContext request, RoutingContext routing) {
        // (bound by name to the stream endpoint: the path is that endpoint's, the pattern reads its device id)
        Matcher matcher = EVENTS.matcher(request.getUriInfo().getPath());
        if (!matcher.matches() || !DeviceIds.isValid(matcher.group(1))) {
            return Uni.createFrom().nullItem();
        }
        String deviceId = matcher.group(1);
        return access.currentCaller()
                .call(caller -> {
                    if (caller.isAnonymous() && !access.allowsAnonymous("")) {
                        throw AccessDeniedException.unauthenticated();
                    }
                    return devices.touchDevice(deviceId, "native", null, caller.subject());
                })
                .invoke(caller -> {
                    ChangeStreamService.StreamSlot slot = streams.reserve(deviceId, callerKey(caller, routing),
                            maxStreamsPerDevice, maxStreamsPerCaller);
                    routing.addEndHandler(ended -> slot.release());
                    routing.put(CALLER, caller);
                })
                .map(caller -> (Response) null)
                .onFailure(DomainException.class)
                .recoverWithItem(e -> problem(e));
    }

    /** Whose streams count together: the user, or for callers without a token the client address. */
    private static String callerKey(Caller caller, RoutingContext routing) {
        if (caller.subject().isPresent()) {
            return "user:" + caller.subject().get();
        }
        SocketAddress address = routing.request().remoteAddress();
        return "address:" + (address == null ? "unknown" : address.hostAddress());
    }

    /** The caller the guard checked for this request. */
    public static Caller callerOf(RoutingContext routing) {
        Caller caller = routing.get(CALLER);
        return caller == null ? Caller.ANONYMOUS : caller;
    }

    private static Response problem(DomainException e) {
        Response response = ProblemExceptionMappers.responseOf(e);
        if (e.kind() == DomainException.Kind.TOO_MANY && e.retryAfterSeconds().isEmpty()) {
            response.getHeaders().add("Retry-After", "5");
        }
        return response;
    }
}
