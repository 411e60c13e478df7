package io.edgesync.device;

import java.time.Instant;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.edgesync.config.ActiveIn;
import io.edgesync.config.Role;
import io.smallrye.mutiny.Uni;

/** Native sync API: device registration. */
@Path("/sync/v1/devices/{deviceId}")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@ActiveIn(Role.EDGE)
@Tag(name = "Native sync API")
public class DeviceResource {

    private final DeviceService devices;

    public DeviceResource(DeviceService devices) {
        this.devices = devices;
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
    public Uni<DeviceView> registerDevice(@PathParam("deviceId") String deviceId, Registration registration) {
        String clientVersion = registration == null ? null : registration.clientVersion();
        return devices.registerDevice(deviceId, clientVersion)
                .map(DeviceView::of);
    }

    @GET
    @Operation(summary = "Show a registered device")
    public Uni<DeviceView> findDevice(@PathParam("deviceId") String deviceId) {
        return devices.findDevice(deviceId)
                .map(DeviceView::of);
    }
}
