package io.edgesync.protocol.nativeapi;

import java.time.Instant;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.edgesync.common.DomainException;
import io.edgesync.common.Problem;
import io.edgesync.config.ActiveIn;
import io.edgesync.config.Role;
import io.edgesync.device.Device;
import io.edgesync.device.DeviceService;
import io.edgesync.security.AccessDeniedException;
import io.edgesync.security.Caller;
import io.edgesync.security.TableAccess;
import io.smallrye.mutiny.Uni;

/** Native sync API: device registration. */
@Path("/sync/v1/devices/{deviceId}")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@ActiveIn(Role.EDGE)
@Tag(name = "Native sync API")
@APIResponse(responseCode = "400", description = "Invalid device id or body", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "401", ref = "Unauthorized")
@APIResponse(responseCode = "429", ref = "TooManyRequests")
@APIResponse(responseCode = "500", ref = "InternalError")
@APIResponse(responseCode = "503", ref = "ServiceUnavailable")
public class DeviceResource {

    private final DeviceService devices;
    private final TableAccess access;

    public DeviceResource(DeviceService devices, TableAccess access) {
        this.devices = devices;
        this.access = access;
    }

    /** What a device says about itself when it registers. */
    public record Registration(String clientVersion) {
    }

    /** A device as the API shows it. */
    public record DeviceView(String id, Instant firstSeen, Instant lastSeen, String clientVersion) {
        static DeviceView of(Device device) {
            return new DeviceView(device.id, device.firstSeen, device.lastSeen, device.clientVersion);
        }
    }

    @PUT
    @Operation(summary = "Register a device, or record that it is still alive")
    @APIResponse(responseCode = "200", description = "The device")
    @APIResponse(responseCode = "403", description = "The device belongs to another user", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "413", description = "The body is larger than the limit", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "415", description = "The body is not JSON", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<DeviceView> registerDevice(@PathParam("deviceId") String deviceId, Registration registration) {
        String clientVersion = registration == null ? null : registration.clientVersion();
        // Registering binds the device to the caller; another user's device answers 403.
        return callerOf()
                .chain(caller -> devices.registerDevice(deviceId, clientVersion, caller.subject()))
                .map(DeviceView::of);
    }

    @GET
    @Operation(summary = "Show a registered device")
    @APIResponse(responseCode = "200", description = "The device")
    @APIResponse(responseCode = "404", description = "No such device, or another user's", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<DeviceView> findDevice(@PathParam("deviceId") String deviceId) {
        return callerOf()
                .chain(caller -> devices.findDevice(deviceId)
                        .map(device -> {
                            // Another user's device does not exist for this caller.
                            if (device.userId != null && !caller.subject().map(device.userId::equals).orElse(false)) {
                                throw DomainException.notFound("Unknown device " + deviceId);
                            }
                            return DeviceView.of(device);
                        }));
    }

    /** The caller, who must be authenticated unless the whole gateway is anonymous. */
    private Uni<Caller> callerOf() {
        return access.currentCaller()
                .invoke(caller -> {
                    if (caller.isAnonymous() && !access.allowsAnonymous("")) {
                        throw AccessDeniedException.unauthenticated();
                    }
                });
    }
}
