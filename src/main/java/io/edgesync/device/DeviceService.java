package io.edgesync.device;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.edgesync.common.DomainException;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;

/**
 * Registration and lookup of devices. The device row is written only by {@link DeviceQueue} (the SQL client, in the
 * statements of the write path); this service reads it back through Panache (ADR 0004).
 */
@ApplicationScoped
public class DeviceService {

    private final DeviceRepository devices;
    private final DeviceQueue queue;

    public DeviceService(DeviceRepository devices, DeviceQueue queue) {
        this.devices = devices;
        this.queue = queue;
    }

    /**
     * Registers the device on first sight or records that it is still alive, binding it to {@code userId} (403 when it
     * belongs to another user), and returns its record.
     */
    @WithSession
    public Uni<Device> registerDevice(String deviceId, String clientVersion, Optional<String> userId) {
        requireValidId(deviceId);
        return queue.registerDevice(deviceId, "native", clientVersion, userId)
                .chain(() -> devices.findById(deviceId));
    }

    @WithSession
    public Uni<Device> findDevice(String deviceId) {
        requireValidId(deviceId);
        return devices.findById(deviceId)
                .onItem()
                .ifNull()
                .failWith(() -> DomainException.notFound("Unknown device " + deviceId));
    }

    static void requireValidId(String deviceId) {
        if (!DeviceIds.isValid(deviceId)) {
            throw DomainException.invalid(
                    "Invalid device id: 1 to 128 characters, letters, digits and . _ : - only, starting alphanumeric");
        }
    }
}
