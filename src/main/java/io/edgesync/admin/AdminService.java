package io.edgesync.admin;

import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.edgesync.common.DomainException;
import io.edgesync.device.DeviceQueue;
import io.edgesync.protocol.nativeapi.PushService;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * What an administrator can see and do about devices: their replica state and queues, parked operations (retry or
 * discard), the conflict log, and forgetting a device.
 */
@ApplicationScoped
public class AdminService {

    private final Pool pool;
    private final AdminRepository repository;
    private final DeviceQueue deviceQueue;
    private final PushService push;

    public AdminService(Pool pool, AdminRepository repository, DeviceQueue deviceQueue, PushService push) {
        this.pool = pool;
        this.repository = repository;
        this.deviceQueue = deviceQueue;
        this.push = push;
    }

    /** Devices by id, with their queue depth and replica records. */
    public Uni<AdminPage<AdminDevice>> listDevices(Optional<String> afterId, int limit) {
        return repository.findDevices(afterId, limit + 1)
                .map(rows -> AdminPage.of(rows, limit, AdminRepository.DeviceRow::id))
                .chain(page -> withState(page.items())
                        .map(devices -> new AdminPage<>(devices, page.hasMore(), page.next())));
    }

    public Uni<AdminDevice> findDevice(String deviceId) {
        return requireDevice(deviceId)
                .chain(row -> withState(List.of(row)))
                .map(devices -> devices.get(0));
    }

    /** A device's queue in its order of sending, optionally only some statuses. */
    public Uni<AdminPage<AdminOperation>> listOperations(String deviceId, List<String> statuses, long afterSeq,
            int limit) {
        return requireDevice(deviceId)
                .chain(() -> repository.findOperations(deviceId, statuses, afterSeq, limit + 1))
                .map(operations -> AdminPage.of(operations, limit, operation -> Long.toString(operation.seq())));
    }

    /** Re-applies a parked operation to the current state; the queue entry is updated in place. */
    public Uni<AdminOperation> retryParkedOperation(String deviceId, long seq) {
        return push.retryParkedOperation(deviceId, seq)
                .invoke(result -> Log.infof("Retried parked operation %d of device %s: %s", seq, deviceId,
                        result.path("status").asText()))
                .chain(() -> repository.findOperation(deviceId, seq))
                .map(operation -> operation.orElseThrow(() -> noParkedOperation(deviceId, seq)));
    }

    /** Gives up on a parked operation: it stays in the queue as discarded, and no longer holds its table back. */
    public Uni<AdminOperation> discardParkedOperation(String deviceId, long seq) {
        return pool.withTransaction(tx -> deviceQueue.discardParked(tx, deviceId, seq))
                .chain(discarded -> discarded
                        ? repository.findOperation(deviceId, seq)
                        : Uni.createFrom().<Optional<AdminOperation>>failure(noParkedOperation(deviceId, seq)))
                .map(operation -> operation.orElseThrow(() -> noParkedOperation(deviceId, seq)))
                .invoke(() -> Log.infof("Discarded parked operation %d of device %s", seq, deviceId));
    }

    /**
     * Forgets a device: its queue and replica records are deleted (the conflict log keeps its entries). Refused while
     * operations are parked, unless forced.
     */
    public Uni<Void> forgetDevice(String deviceId, boolean force) {
        return pool.withTransaction(tx -> deviceQueue.lockKnownDevice(tx, deviceId)
                .chain(exists -> exists
                        ? deviceQueue.countParked(tx, deviceId)
                        : Uni.createFrom().<Long>failure(unknownDevice(deviceId)))
                .chain(parked -> {
                    if (parked > 0 && !force) {
                        return Uni.createFrom()
                                .<Boolean>failure(DomainException.conflict("Device " + deviceId + " has " + parked
                                        + " parked operation(s); retry or discard them, or forget it with force=true"));
                    }
                    return deviceQueue.deleteDevice(tx, deviceId)
                            .invoke(() -> Log.infof("Forgot device %s (%d parked operation(s) dropped)", deviceId,
                                    parked));
                }))
                .invoke(() -> deviceQueue.forgetDevice(deviceId))
                .replaceWithVoid();
    }

    /** The conflict log, newest first. */
    public Uni<AdminPage<AdminConflict>> listConflicts(AdminRepository.ConflictFilter filter, int limit) {
        return repository.findConflicts(filter, limit + 1)
                .map(conflicts -> AdminPage.of(conflicts, limit, conflict -> Long.toString(conflict.id())));
    }

    private Uni<AdminRepository.DeviceRow> requireDevice(String deviceId) {
        return repository.findDevice(deviceId)
                .map(row -> row.orElseThrow(() -> unknownDevice(deviceId)));
    }

    private Uni<List<AdminDevice>> withState(List<AdminRepository.DeviceRow> rows) {
        if (rows.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        List<String> ids = rows.stream().map(AdminRepository.DeviceRow::id).toList();
        return Uni.combine()
                .all()
                .unis(repository.countOperations(ids), repository.findReplicas(ids))
                .with((depths, replicas) -> rows.stream()
                        .map(row -> row.withState(depths.getOrDefault(row.id(), QueueDepth.EMPTY),
                                replicas.getOrDefault(row.id(), List.of())))
                        .toList());
    }

    private static DomainException unknownDevice(String deviceId) {
        return DomainException.notFound("Unknown device " + deviceId);
    }

    private static DomainException noParkedOperation(String deviceId, long seq) {
        return DomainException.notFound("Device " + deviceId + " has no parked operation at position " + seq);
    }
}
