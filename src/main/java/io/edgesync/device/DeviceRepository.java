package io.edgesync.device;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;

/** Devices as the device API reads them (the rows are {@link DeviceQueue}'s to write). */
@ApplicationScoped
public class DeviceRepository implements PanacheRepositoryBase<Device, String> {
}
