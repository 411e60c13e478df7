package io.edgesync.admin;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.edgesync.cache.TableCatalog;
import io.edgesync.cache.TableInfo;
import io.edgesync.cache.Transactions;
import io.edgesync.common.DomainException;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.conflict.ConflictPolicies;
import io.edgesync.device.DeviceQueue;
import io.edgesync.protocol.nativeapi.PushService;
import io.edgesync.scope.EdgeScopes;
import io.edgesync.scope.ScopeStore;
import io.edgesync.security.TableAccess;
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
    private final TableCatalog catalog;
    private final TableAccess access;
    private final ConflictPolicies policies;
    private final EdgeSyncConfig.Tables tables;
    private final EdgeScopes scopes;
    private final ScopeStore scopeStates;

    public AdminService(Pool pool, AdminRepository repository, DeviceQueue deviceQueue, PushService push,
            TableCatalog catalog, TableAccess access, ConflictPolicies policies, EdgeSyncConfig config,
            EdgeScopes scopes, ScopeStore scopeStates) {
        this.pool = pool;
        this.scopes = scopes;
        this.scopeStates = scopeStates;
        this.repository = repository;
        this.deviceQueue = deviceQueue;
        this.push = push;
        this.catalog = catalog;
        this.access = access;
        this.policies = policies;
        this.tables = config.tables();
    }

    /**
     * Devices by id, with their queue depth and replica records; when searching, only those it finds; when asked, only
     * those with parked operations.
     */
    public Uni<AdminPage<AdminDevice>> listDevices(Optional<String> afterId, Optional<String> search,
            boolean parkedOnly, int limit) {
        return repository.findDevices(afterId, search, parkedOnly, limit + 1)
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
    public Uni<AdminOperation> retryParkedOperation(String deviceId, long seq, String actor) {
        return push.retryParkedOperation(deviceId, seq)
                .invoke(result -> Log.infof("%s retried parked operation %d of device %s: %s", actor, seq, deviceId,
                        result.path("status").asText()))
                .chain(() -> repository.findOperation(deviceId, seq))
                .map(operation -> operation.orElseThrow(() -> noParkedOperation(deviceId, seq)));
    }

    /** Gives up on a parked operation: it stays in the queue as discarded, and no longer holds its table back. */
    public Uni<AdminOperation> discardParkedOperation(String deviceId, long seq, String actor) {
        return Transactions.inTransaction(pool, tx -> deviceQueue.discardParked(tx, deviceId, seq))
                .chain(discarded -> discarded
                        ? repository.findOperation(deviceId, seq)
                        : Uni.createFrom().<Optional<AdminOperation>>failure(noParkedOperation(deviceId, seq)))
                .map(operation -> operation.orElseThrow(() -> noParkedOperation(deviceId, seq)))
                .invoke(() -> Log.infof("%s discarded parked operation %d of device %s", actor, seq, deviceId));
    }

    /**
     * Forgets a device: its queue and replica records are deleted (the conflict log keeps its entries). Refused while
     * operations are parked, unless forced.
     */
    public Uni<Void> forgetDevice(String deviceId, boolean force, String actor) {
        return Transactions.inTransaction(pool, tx -> deviceQueue.lockKnownDevice(tx, deviceId)
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
                            .invoke(() -> Log.infof("%s forgot device %s (%d parked operation(s) dropped)", actor,
                                    deviceId, parked));
                }))
                .invoke(() -> deviceQueue.forgetDevice(deviceId))
                .replaceWithVoid();
    }

    /** The conflict log, newest first. */
    public Uni<AdminPage<AdminConflict>> listConflicts(AdminRepository.ConflictFilter filter, int limit) {
        return repository.findConflicts(filter, limit + 1)
                .map(conflicts -> AdminPage.of(conflicts, limit, conflict -> Long.toString(conflict.id())));
    }

    /**
     * Every table: the persisted ones with their rows, tombstones and newest change, and declared tables not written
     * yet.
     */
    public Uni<List<AdminTable>> listTables() {
        return Uni.combine().all().unis(repository.findTables(), scopeStates.all()).asTuple().map(found -> {
            Map<String, ScopeStore.State> fills = new TreeMap<>();
            found.getItem2().forEach(state -> fills.put(state.table(), state));
            Map<String, AdminTable> byName = new TreeMap<>();
            for (AdminRepository.TableRow row : found.getItem1()) {
                byName.put(row.name(), table(row.name(), row.displayName(), row.rows(), row.tombstones(),
                        row.lastChange(), row.declared(), row.softDelete(), fills));
            }
            tables.declared()
                    .forEach((name, declared) -> byName.computeIfAbsent(TableInfo.key(name),
                            key -> table(key, name, 0, 0, null, true, declared.softDelete(), fills)));
            return List.copyOf(byName.values());
        });
    }

    private AdminTable table(String name, String displayName, long rows, long tombstones, Instant lastChange,
            boolean declared, boolean softDelete, Map<String, ScopeStore.State> fills) {
        EdgeScopes.Scope scope = scopes.of(name);
        AdminTable.ScopeFill fill = Optional.ofNullable(fills.get(name))
                .filter(state -> scope instanceof EdgeScopes.Filter && state.scope().equals(scope.text()))
                .map(state -> new AdminTable.ScopeFill(state.swept(), state.backfillDone(), state.backfillAfter(),
                        state.rowsApplied(), state.startedAt(), state.finishedAt().orElse(null)))
                .orElse(null);
        return new AdminTable(name, displayName, rows, tombstones, lastChange, policies.forTable(name).name(),
                access.rowsPerUser(name), access.allowsAnonymous(name), declared, softDelete, scope.text(), fill);
    }

    /** Whether device {@code deviceId} holds the current version of record {@code recordId} of {@code table}. */
    public Uni<AdminExplanation> explain(String tableName, String recordId, String deviceId) {
        return catalog.findTable(tableName)
                .map(found -> found.filter(TableInfo::persisted)
                        .orElseThrow(() -> DomainException.notFound("The table '" + tableName
                                + "' does not exist on this gateway (nothing was written to it)")))
                .chain(table -> requireDevice(deviceId).chain(device -> Uni.combine()
                        .all()
                        .unis(repository.findReplicas(List.of(deviceId)),
                                repository.findRecordFacts(table.name(), recordId, deviceId),
                                repository.findParkedOnRecord(deviceId, table.name(), recordId))
                        .with((replicas, facts, parked) -> RecordExplainer.explain(new RecordExplainer.Facts(
                                table.displayName(), recordId, access.rowsPerUser(table.name()), device,
                                replicas.getOrDefault(deviceId, List.of())
                                        .stream()
                                        .filter(replica -> replica.table().equals(table.name()))
                                        .toList(),
                                facts, parked)))));
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
