package io.edgesync.device;

import jakarta.enterprise.context.ApplicationScoped;

import io.edgesync.common.DomainException;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;

/** Registration and lookup of devices. */
@ApplicationScoped
public class DeviceService {

    private final DeviceRepository devices;

    public DeviceService(DeviceRepository devices) {
        this.devices = devices;
    }

    /** Registers the device on first sight or records that it is still alive, and returns its record. */
    @WithTransaction
    public Uni<Device> registerDevice(String deviceId, String clientVersion) {
        requireValidId(deviceId);
        return devices.touchDevice(deviceId, clientVersion)
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
