package io.edgesync.device;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import org.hibernate.annotations.Immutable;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/**
 * A device known to this edge: an app installation that pushes and pulls. Read-only here: {@link DeviceQueue} writes
 * the row with the write path's statements, and Hibernate never writes it.
 */
@Entity
@Immutable
@Table(name = "device")
public class Device extends PanacheEntityBase {

    @Id
    @Column(name = "id", length = 128)
    public String id;

    @Column(name = "first_seen", nullable = false)
    public Instant firstSeen;

    @Column(name = "last_seen", nullable = false)
    public Instant lastSeen;

    @Column(name = "client_version", length = 255)
    public String clientVersion;

    /** The user the device is bound to (its first authenticated user). */
    @Column(name = "user_id", length = 255)
    public String userId;
}
