package io.edgesync.device;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;

/** Devices and their registration. */
@ApplicationScoped
@WithSession
public class DeviceRepository implements PanacheRepositoryBase<Device, String> {

    /**
     * Records that {@code deviceId} was seen now: inserts it on first sight, otherwise moves its last-seen time and
     * keeps the newest client version. One statement, so concurrent first requests of a device do not collide.
     */
    public Uni<Integer> touchDevice(String deviceId, String clientVersion) {
        return getSession().flatMap(session -> session.createNativeQuery("""
                INSERT INTO device (id, first_seen, last_seen, client_version)
                VALUES (:id, clock_timestamp(), clock_timestamp(), :clientVersion)
                ON CONFLICT (id) DO UPDATE
                SET last_seen = clock_timestamp(),
                    client_version = COALESCE(EXCLUDED.client_version, device.client_version)
                """)
                .setParameter("id", deviceId)
                .setParameter("clientVersion", clientVersion)
                .executeUpdate());
    }
}
