package io.edgesync.admin;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.edgesync.cache.TableInfo;
import io.edgesync.common.DomainException;
import io.edgesync.common.Problem;
import io.edgesync.config.ActiveIn;
import io.edgesync.config.Role;
import io.edgesync.device.DeviceIds;
import io.edgesync.device.QueuedOperation;
import io.edgesync.security.TableAccess;
import io.smallrye.mutiny.Uni;

/**
 * Admin API: devices with their replica state and queue depth, their queues and parked operations (retry, discard), the
 * conflict log, and forgetting a device. Errors are {@code application/problem+json}. <p> Listings answer one page at a
 * time ({@link AdminPage}): {@code limit} entries (default 100, at most 1000) and, when {@code hasMore}, a {@code next}
 * cursor to pass back as the listing's {@code after} (devices, operations: ascending order) or {@code before}
 * (conflicts: newest first) parameter. Cursors are keys, not offsets, so entries written while an administrator pages
 * are neither skipped nor repeated.
 */
@Path("/admin")
@Produces(MediaType.APPLICATION_JSON)
@ActiveIn(Role.EDGE)
@Tag(name = "Admin API")
@APIResponse(responseCode = "401", ref = "Unauthorized")
@APIResponse(responseCode = "403", description = "The caller does not have the admin role", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "500", ref = "InternalError")
@APIResponse(responseCode = "503", ref = "ServiceUnavailable")
public class AdminResource {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private static final Set<String> STATUSES = Set.of(QueuedOperation.APPLIED, QueuedOperation.CONFLICT,
            QueuedOperation.REJECTED, QueuedOperation.PARKED, QueuedOperation.DISCARDED);
    private static final Set<String> CONFLICT_SOURCES = Set.of("edge", "central");

    private final AdminService admin;
    private final OverviewService overview;
    private final TableAccess access;

    public AdminResource(AdminService admin, OverviewService overview, TableAccess access) {
        this.admin = admin;
        this.overview = overview;
        this.access = access;
    }

    @GET
    @Path("/overview")
    @Operation(summary = "The process, its readiness checks and its activity over the last ten minutes")
    @APIResponse(responseCode = "200", description = "The overview; poll it every intervalSeconds")
    public Uni<AdminOverview> showOverview() {
        return overview.overview();
    }

    @GET
    @Path("/tables")
    @Operation(summary = "List the tables with their rows, tombstones, newest change, policy and access")
    @APIResponse(responseCode = "200", description = "Every table, by name")
    public Uni<AdminTables> listTables() {
        return admin.listTables().map(AdminTables::new);
    }

    /**
     * Every table.
     *
     * @param items the tables, by name
     */
    public record AdminTables(List<AdminTable> items) {
    }

    @GET
    @Path("/explain")
    @Operation(summary = "Whether a device holds a record's current version, and why not")
    @APIResponse(responseCode = "200", description = "The answer with the facts it rests on")
    @APIResponse(responseCode = "400", description = "A parameter is missing or invalid", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "Unknown table or device", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<AdminExplanation> explain(@Parameter(description = "The table") @QueryParam("table") String table,
            @Parameter(description = "The record's id") @QueryParam("id") String id,
            @Parameter(description = "The device") @QueryParam("device") String device) {
        String tableName = present(table).orElseThrow(() -> DomainException.invalid("Give the table: ?table="));
        String recordId = present(id).orElseThrow(() -> DomainException.invalid("Give the record's id: &id="));
        String deviceId = validDeviceId(
                present(device).orElseThrow(() -> DomainException.invalid("Give the device: &device=")));
        return admin.explain(tableName, recordId, deviceId);
    }

    @GET
    @Path("/devices")
    @Operation(summary = "List devices by id, with their replica state and queue depth")
    @APIResponse(responseCode = "200", description = "One page of devices")
    @APIResponse(responseCode = "400", description = "Invalid limit or cursor", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<AdminPage<AdminDevice>> listDevices(
            @Parameter(description = "Page size, 1 to 1000 (default 100)") @QueryParam("limit") String limit,
            @Parameter(description = "Cursor: the previous page's next (devices with a greater id)") @QueryParam("after") String after,
            @Parameter(description = "Only devices whose id or user contains this text (case-insensitively)") @QueryParam("q") String search,
            @Parameter(description = "Only devices with parked operations (stuck devices)") @QueryParam("parked") boolean parkedOnly) {
        int pageSize = pageSize(limit);
        Optional<String> afterId = Optional.ofNullable(after).filter(id -> !id.isEmpty());
        return admin.listDevices(afterId, present(search).map(String::trim), parkedOnly, pageSize);
    }

    @GET
    @Path("/devices/{deviceId}")
    @Operation(summary = "Show a device with its replica state and queue depth")
    @APIResponse(responseCode = "200", description = "The device")
    @APIResponse(responseCode = "400", description = "Invalid device id", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "Unknown device", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<AdminDevice> findDevice(@PathParam("deviceId") String deviceId) {
        return admin.findDevice(validDeviceId(deviceId));
    }

    @GET
    @Path("/devices/{deviceId}/operations")
    @Operation(summary = "List a device's operation queue in its order of sending")
    @APIResponse(responseCode = "200", description = "One page of the queue")
    @APIResponse(responseCode = "400", description = "Invalid status, limit or cursor", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "Unknown device", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<AdminPage<AdminOperation>> listOperations(@PathParam("deviceId") String deviceId,
            @Parameter(description = "Only these statuses (repeat or comma-separate): "
                    + "applied, conflict, rejected, parked, discarded") @QueryParam("status") List<String> status,
            @Parameter(description = "Page size, 1 to 1000 (default 100)") @QueryParam("limit") String limit,
            @Parameter(description = "Cursor: the previous page's next (operations after this position)") @QueryParam("after") String after) {
        String id = validDeviceId(deviceId);
        int pageSize = pageSize(limit);
        return admin.listOperations(id, statuses(status), afterSeq(after), pageSize);
    }

    @POST
    @Path("/devices/{deviceId}/operations/{seq}/retry")
    @Operation(summary = "Re-apply a parked operation to the current state")
    @APIResponse(responseCode = "200", description = "The operation with its new status (applied, conflict or parked again) and result")
    @APIResponse(responseCode = "400", description = "Invalid device id", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "No parked operation at that position", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<AdminOperation> retryParkedOperation(@PathParam("deviceId") String deviceId,
            @PathParam("seq") long seq) {
        String id = validDeviceId(deviceId);
        return actor().chain(actor -> admin.retryParkedOperation(id, seq, actor));
    }

    @POST
    @Path("/devices/{deviceId}/operations/{seq}/discard")
    @Operation(summary = "Discard a parked operation: it stays in the queue as discarded")
    @APIResponse(responseCode = "200", description = "The discarded operation")
    @APIResponse(responseCode = "400", description = "Invalid device id", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "No parked operation at that position (also when already discarded)", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<AdminOperation> discardParkedOperation(@PathParam("deviceId") String deviceId,
            @PathParam("seq") long seq) {
        String id = validDeviceId(deviceId);
        return actor().chain(actor -> admin.discardParkedOperation(id, seq, actor));
    }

    @DELETE
    @Path("/devices/{deviceId}")
    @Operation(summary = "Forget a device: delete its queue and replica records (the conflict log keeps its entries)")
    @APIResponse(responseCode = "204", description = "Forgotten; if the device comes back it starts afresh")
    @APIResponse(responseCode = "400", description = "Invalid device id", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "Unknown device", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "The device has parked operations and force is not set", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Void> forgetDevice(@PathParam("deviceId") String deviceId,
            @Parameter(description = "Forget it even with parked operations, which are dropped") @QueryParam("force") boolean force) {
        String id = validDeviceId(deviceId);
        return actor().chain(actor -> admin.forgetDevice(id, force, actor));
    }

    @GET
    @Path("/conflicts")
    @Operation(summary = "List the conflict log, newest first, with both sides and the decision")
    @APIResponse(responseCode = "200", description = "One page of conflicts")
    @APIResponse(responseCode = "400", description = "Invalid filter, limit or cursor", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<AdminPage<AdminConflict>> listConflicts(
            @Parameter(description = "Only this table") @QueryParam("table") String table,
            @Parameter(description = "Only this device") @QueryParam("deviceId") String deviceId,
            @Parameter(description = "Only conflicts decided at the edge or at central") @QueryParam("source") String source,
            @Parameter(description = "Only conflicts of tables with this policy (server-wins, client-wins, ...)") @QueryParam("policy") String policy,
            @Parameter(description = "Only conflicts decided at or after this instant (ISO-8601)") @QueryParam("since") String since,
            @Parameter(description = "Only conflicts decided before this instant (ISO-8601)") @QueryParam("until") String until,
            @Parameter(description = "Page size, 1 to 1000 (default 100)") @QueryParam("limit") String limit,
            @Parameter(description = "Cursor: the previous page's next (older conflicts)") @QueryParam("before") String before) {
        Optional<String> device = present(deviceId).map(AdminResource::validDeviceId);
        Optional<String> from = present(source).map(value -> {
            if (!CONFLICT_SOURCES.contains(value)) {
                throw DomainException.invalid("source must be edge or central");
            }
            return value;
        });
        Optional<Long> beforeId = present(before).map(value -> parseCursor(value, "before"));
        int pageSize = pageSize(limit);
        return admin.listConflicts(new AdminRepository.ConflictFilter(present(table).map(TableInfo::key), device,
                from, present(policy), present(since).map(value -> instant(value, "since")),
                present(until).map(value -> instant(value, "until")), beforeId), pageSize);
    }

    private static int pageSize(String limit) {
        if (limit == null || limit.isBlank()) {
            return DEFAULT_LIMIT;
        }
        try {
            int size = Integer.parseInt(limit.trim());
            if (size >= 1 && size <= MAX_LIMIT) {
                return size;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw DomainException.invalid("limit must be a number between 1 and " + MAX_LIMIT);
    }

    private static String validDeviceId(String deviceId) {
        if (!DeviceIds.isValid(deviceId)) {
            throw DomainException.invalid("Invalid device id");
        }
        return deviceId;
    }

    private static List<String> statuses(List<String> values) {
        List<String> statuses = new ArrayList<>();
        if (values == null) {
            return statuses;
        }
        for (String value : values) {
            for (String status : value.split(",", -1)) {
                String trimmed = status.trim();
                if (trimmed.isEmpty()) {
                    continue;
                }
                if (!STATUSES.contains(trimmed)) {
                    throw DomainException.invalid(
                            "status must be one of applied, conflict, rejected, parked, discarded");
                }
                statuses.add(trimmed);
            }
        }
        return statuses;
    }

    private static long afterSeq(String after) {
        return present(after).map(value -> parseCursor(value, "after")).orElse(0L);
    }

    private static long parseCursor(String value, String name) {
        try {
            long cursor = Long.parseLong(value);
            if (cursor >= 0) {
                return cursor;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw DomainException.invalid(name + " must be a cursor from a previous page");
    }

    private static Instant instant(String value, String name) {
        try {
            return Instant.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw DomainException.invalid(name + " must be an ISO-8601 instant, such as 2026-12-06T10:00:00Z");
        }
    }

    /** Who acts, for the log line of an action: the caller's subject, or anonymous. */
    private Uni<String> actor() {
        return access.currentCaller()
                .map(caller -> caller.subject()
                        .map(subject -> "Administrator " + subject)
                        .orElse("An anonymous administrator"));
    }

    private static Optional<String> present(String value) {
        return Optional.ofNullable(value).filter(v -> !v.isBlank());
    }
}
