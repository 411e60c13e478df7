package io.edgesync.protocol.zumo;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.Precondition;
import io.edgesync.cache.RecordStore;
import io.edgesync.cache.TableCatalog;
import io.edgesync.cache.TableInfo;
import io.edgesync.cache.VisibilityHorizon;
import io.edgesync.common.DatabaseAvailability;
import io.edgesync.common.Deadlines;
import io.edgesync.common.JsonPolicy;
import io.edgesync.common.Problem;
import io.edgesync.config.ActiveIn;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.config.Role;
import io.edgesync.device.DeviceQueue;
import io.edgesync.scope.EdgeUsers;
import io.edgesync.security.TableAccess;
import io.edgesync.sync.WriteCall;
import io.edgesync.sync.WriteRequest;
import io.edgesync.sync.WriteService;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

/**
 * The table protocol of existing client SDKs: Azure Mobile Apps ({@code ZUMO-API-VERSION: 2.0.0}) and Datasync
 * ({@code 3.0.0}) at {@code /tables/{table}} and {@code /tables/{table}/{id}}, as specified in docs/protocol.md and its
 * Appendix B. Errors answer in each protocol's own shape. Answers are JSON trees (records are the table's own columns);
 * {@link TableRecord}, the pages and the annotations describe them in the OpenAPI document.
 */
@Path("/tables")
@ActiveIn(Role.EDGE)
@Tag(name = "Table protocol", description = "Azure Mobile Apps 2.0.0 and Datasync 3.0.0 table endpoints. The"
        + " ZUMO-API-VERSION header (or query parameter) chooses the protocol: 2.0.0, or 3.0.0, the default. v2 errors"
        + " are {\"error\": ...} (application/json), v3 errors problem documents.")
@APIResponse(responseCode = "400", description = "Invalid protocol version, table name, query or item", content = {
        @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)),
        @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TableError.class))})
@APIResponse(responseCode = "401", description = "No token, or an invalid one, where the table needs one", content = {
        @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)),
        @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TableError.class))})
@APIResponse(responseCode = "403", description = "The caller's roles may not use the table, or the device (X-ZUMO-INSTALLATION-ID) belongs to another user", content = {
        @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)),
        @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TableError.class))})
@APIResponse(responseCode = "404", description = "The table does not exist, or (by id) the record does not", content = {
        @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)),
        @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TableError.class))})
@APIResponse(responseCode = "429", ref = "TooManyRequests")
@APIResponse(responseCode = "500", description = "Unexpected failure", content = {
        @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)),
        @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TableError.class))})
@APIResponse(responseCode = "503", description = "The database is unavailable or did not answer in time; Retry-After says when to try again", content = {
        @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)),
        @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TableError.class))})
public class TableResource {

    private final TableCatalog catalog;
    private final WriteService writes;
    private final ZumoAnswers answers;
    private final DeviceQueue devices;
    private final TableAccess access;
    private final EdgeUsers users;
    private final TableResponses responses;
    private final TableQueries queries;
    private final ObjectReader bodyReader;
    private final EdgeSyncConfig.Protocol protocol;
    private final EdgeSyncConfig.Limits limits;
    private final Duration requestTimeout;

    public TableResource(TableCatalog catalog, RecordStore store, VisibilityHorizon visibility,
            WriteService writes, ZumoAnswers answers, DeviceQueue devices, TableAccess access, EdgeUsers users,
            ItemWriter writer, ObjectMapper json, EdgeSyncConfig config, MeterRegistry metrics,
            DatabaseAvailability databases) {
        this.catalog = catalog;
        this.users = users;
        this.requestTimeout = Duration.ofMillis(config.limits().requestTimeoutMillis());
        this.writes = writes;
        this.answers = answers;
        this.devices = devices;
        this.access = access;
        this.responses = new TableResponses(json, writer, config.protocol(), databases);
        this.queries = new TableQueries(catalog, store, visibility, devices, metrics, responses, config);
        this.bodyReader = json.reader()
                .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
        this.protocol = config.protocol();
        this.limits = config.limits();
    }

    // ---------------------------------------------------------------------------------------------------- queries

    @GET
    @Path("{table}")
    @Operation(summary = "Query a table ($filter, $orderby, $skip, $top, $select, counts, tombstones)")
    @APIResponse(responseCode = "200", description = "One page. v2: the array of records, or TablePageV2 with $inlinecount=allpages, and a Link header to the next page; v3: TablePageV3", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(oneOf = {
            TableRecord[].class, TablePageV2.class, TablePageV3.class})))
    public Uni<Response> queryTable(@PathParam("table") String tableName, @Context HttpServerRequest http,
            @Context HttpHeaders headers) {
        return handle(http, headers, request -> requireTable(request, tableName, false)
                .call(table -> bindDevice(request))
                .chain(table -> queries.query(request, table)));
    }

    @GET
    @Path("{table}/{id}")
    @Operation(summary = "Read one record")
    @APIResponse(responseCode = "200", description = "The record, its ETag and (v3) Last-Modified", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TableRecord.class)))
    @APIResponse(responseCode = "304", description = "v3: If-None-Match matches, or the record did not change after If-Modified-Since")
    @APIResponse(responseCode = "410", ref = "TableRecordGone")
    @APIResponse(responseCode = "412", ref = "TablePreconditionFailed")
    public Uni<Response> findRecord(@PathParam("table") String tableName, @PathParam("id") String id,
            @Context HttpServerRequest http, @Context HttpHeaders headers) {
        return handle(http, headers, request -> requireTable(request, tableName, false)
                .call(table -> bindDevice(request))
                .chain(table -> queries.find(request, table, id)));
    }

    // ---------------------------------------------------------------------------------------------------- writes

    @POST
    @Path("{table}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Insert a record (201, or 409 with the existing record)")
    @APIResponse(responseCode = "201", description = "The stored record, its ETag and Location", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TableRecord.class)))
    @APIResponse(responseCode = "409", description = "The id exists: the existing record and its ETag; on a table with rows per user, an id another user holds (an error)", content = {
            @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)),
            @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(oneOf = {TableRecord.class,
                    TableError.class}))})
    @APIResponse(responseCode = "413", ref = "TableBodyTooLarge")
    @APIResponse(responseCode = "415", ref = "TableBodyNotJson")
    public Uni<Response> insertRecord(@PathParam("table") String tableName,
            @RequestBody(description = "The record; id optional", required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TableRecord.class))) byte[] body,
            @Context HttpServerRequest http,
            @Context HttpHeaders headers) {
        return handle(http, headers, request -> {
            ObjectNode item = parseItem(request, body);
            WriteRequest write = new WriteRequest(tableName, WriteRequest.INSERT, Optional.empty(), Optional.of(item),
                    Precondition.NONE, Optional.empty(), Optional.empty(), Optional.empty(), false, false, false);
            return writes.write(call(request), write)
                    .map(result -> responses.written(request, result, 201, 409));
        });
    }

    @PATCH
    @Path("{table}/{id}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Merge changed columns into a record (v2 update)")
    @APIResponse(responseCode = "200", description = "The record after the update and its ETag", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TableRecord.class)))
    @APIResponse(responseCode = "409", ref = "TableUpdateConflict")
    @APIResponse(responseCode = "410", ref = "TableRecordGone")
    @APIResponse(responseCode = "412", ref = "TablePreconditionFailed")
    @APIResponse(responseCode = "413", ref = "TableBodyTooLarge")
    @APIResponse(responseCode = "415", ref = "TableBodyNotJson")
    public Uni<Response> mergeRecord(@PathParam("table") String tableName, @PathParam("id") String id,
            @RequestBody(description = "The changed columns (clients send the whole record); version, when given without If-Match, is the version the change is based on", required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TableRecord.class))) byte[] body,
            @Context HttpServerRequest http, @Context HttpHeaders headers) {
        return handle(http, headers, request -> updateRecord(request, tableName, Optional.of(id), body, true));
    }

    @PATCH
    @Path("{table}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Merge changed columns into the record named by the body's id (v2 update)")
    @APIResponse(responseCode = "200", description = "The record after the update and its ETag", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TableRecord.class)))
    @APIResponse(responseCode = "409", ref = "TableUpdateConflict")
    @APIResponse(responseCode = "410", ref = "TableRecordGone")
    @APIResponse(responseCode = "412", ref = "TablePreconditionFailed")
    @APIResponse(responseCode = "413", ref = "TableBodyTooLarge")
    @APIResponse(responseCode = "415", ref = "TableBodyNotJson")
    public Uni<Response> mergeRecordWithIdInBody(@PathParam("table") String tableName,
            @RequestBody(description = "The changed columns (clients send the whole record); version, when given without If-Match, is the version the change is based on", required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TableRecord.class))) byte[] body,
            @Context HttpServerRequest http, @Context HttpHeaders headers) {
        return handle(http, headers, request -> updateRecord(request, tableName, Optional.empty(), body, true));
    }

    @PUT
    @Path("{table}/{id}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Replace a record's columns (v3 update)")
    @APIResponse(responseCode = "200", description = "The record after the update and its ETag", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TableRecord.class)))
    @APIResponse(responseCode = "409", ref = "TableUpdateConflict")
    @APIResponse(responseCode = "410", ref = "TableRecordGone")
    @APIResponse(responseCode = "412", ref = "TablePreconditionFailed")
    @APIResponse(responseCode = "413", ref = "TableBodyTooLarge")
    @APIResponse(responseCode = "415", ref = "TableBodyNotJson")
    public Uni<Response> replaceRecord(@PathParam("table") String tableName, @PathParam("id") String id,
            @RequestBody(description = "The record's columns", required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TableRecord.class))) byte[] body,
            @Context HttpServerRequest http, @Context HttpHeaders headers) {
        return handle(http, headers, request -> updateRecord(request, tableName, Optional.of(id), body, false));
    }

    private Uni<Response> updateRecord(TableRequest request, String tableName, Optional<String> urlId, byte[] body,
            boolean merge) {
        ObjectNode item = parseItem(request, body);
        Optional<String> bodyVersion = Optional.ofNullable(item.get(TableInfo.VERSION))
                .filter(JsonNode::isTextual)
                .map(JsonNode::asText)
                .filter(version -> !version.isEmpty());
        TablePreconditions.Conditions conditions = TablePreconditions.ofWrite(request, bodyVersion);
        boolean allowDeleted = !request.isV2() && request.includeDeleted();
        // An update of a record the server deleted is a conflict for the table's policy, as in the native API: under
        // server-wins the answer stays 404 (v2) or 410 (v3); a policy that lets the device win brings the record back.
        WriteRequest write = new WriteRequest(tableName, WriteRequest.UPDATE, urlId, Optional.of(item),
                conditions.precondition(), TablePreconditions.baseVersion(request, bodyVersion), Optional.empty(),
                Optional.empty(), merge,
                allowDeleted, true);
        return writes.write(call(request), write)
                .map(result -> responses.written(request, result, 200, conditions.failureStatus()));
    }

    @DELETE
    @Path("{table}/{id}")
    @Operation(summary = "Delete a record (a tombstone is kept for pulls)")
    @APIResponse(responseCode = "200", description = "v2: the tombstone (deleted: true) and its ETag", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TableRecord.class)))
    @APIResponse(responseCode = "204", description = "v3: deleted")
    @APIResponse(responseCode = "410", ref = "TableRecordGone")
    @APIResponse(responseCode = "412", ref = "TablePreconditionFailed")
    public Uni<Response> deleteRecord(@PathParam("table") String tableName, @PathParam("id") String id,
            @Context HttpServerRequest http, @Context HttpHeaders headers) {
        return handle(http, headers, request -> writeById(request, tableName, id, WriteRequest.DELETE,
                request.isV2() ? 200 : 204));
    }

    @POST
    @Path("{table}/{id}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Undelete a soft-deleted record (v2)")
    @APIResponse(responseCode = "201", description = "The record (deleted: false) and its ETag", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TableRecord.class)))
    @APIResponse(responseCode = "412", ref = "TablePreconditionFailed")
    public Uni<Response> undeleteRecord(@PathParam("table") String tableName, @PathParam("id") String id,
            @Context HttpServerRequest http, @Context HttpHeaders headers) {
        return handle(http, headers, request -> writeById(request, tableName, id, WriteRequest.UNDELETE, 201));
    }

    /** A delete or undelete: the record is named by the URL, the precondition by the headers. */
    private Uni<Response> writeById(TableRequest request, String tableName, String id, String kind,
            int successStatus) {
        TablePreconditions.Conditions conditions = TablePreconditions.ofWrite(request, Optional.empty());
        WriteRequest write = new WriteRequest(tableName, kind, Optional.of(id), Optional.empty(),
                conditions.precondition(), TablePreconditions.baseVersion(request, Optional.empty()), Optional.empty(),
                Optional.empty(),
                false, false, false);
        return writes.write(call(request), write)
                .map(result -> responses.written(request, result, successStatus, conditions.failureStatus()));
    }

    /** The caller, and the device behind a table request: its {@code X-ZUMO-INSTALLATION-ID}, when it sends one. */
    private WriteCall call(TableRequest request) {
        return new WriteCall(request.caller(), request.deviceId(), protocolOf(request), clientVersion(request),
                answers);
    }

    private static String protocolOf(TableRequest request) {
        return request.isV2() ? "zumo-v2" : "zumo-v3";
    }

    private static Optional<String> clientVersion(TableRequest request) {
        return request.header("X-ZUMO-VERSION")
                .or(() -> request.header(HttpHeaders.USER_AGENT))
                .map(v -> v.length() > 255 ? v.substring(0, 255) : v);
    }

    /** A read through a device records it as seen and binds it to its first user (403 for another user). */
    private Uni<Void> bindDevice(TableRequest request) {
        return request.deviceId()
                .map(id -> devices.touchDevice(id, protocolOf(request), clientVersion(request).orElse(null),
                        request.caller().subject()))
                .orElseGet(() -> Uni.createFrom().voidItem());
    }

    // ---------------------------------------------------------------------------------------------------- helpers

    private Uni<Response> handle(HttpServerRequest http, HttpHeaders headers,
            Function<TableRequest, Uni<Response>> action) {
        TableRequest request;
        try {
            request = TableRequest.of(http, headers, protocol.strictVersion());
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(e);
        }
        return Deadlines.within(access.currentCaller()
                .invoke(caller -> request.caller(caller))
                .chain(() -> action.apply(request)), requestTimeout)
                .onFailure()
                .transform(e -> responses.failure(request.version(), e));
    }

    /** The table, once the caller is allowed to read or write it; 404 for tables the gateway does not serve. */
    private Uni<TableInfo> requireTable(TableRequest request, String tableName, boolean write) {
        if (!TableCatalog.TABLE_NAME.matcher(tableName).matches()) {
            return Uni.createFrom()
                    .failure(new TableProtocolException(request.version(), 400,
                            TableCatalog.INVALID_TABLE_NAME));
        }
        return catalog.findTable(tableName)
                .map(found -> {
                    TableInfo table = found.orElseThrow(() -> new TableProtocolException(request.version(), 404,
                            "The table '" + abbreviate(tableName) + "' does not exist"));
                    request.scope(access.authorize(request.caller(), table, write).scope());
                    return table;
                })
                // (a user's first read at an edge that holds the rows of its users waits for them; writes do not)
                .call(table -> write
                        ? Uni.createFrom().voidItem()
                        : users.beforePull(table.name(), request.caller().subject()));
    }

    private ObjectNode parseItem(TableRequest request, byte[] body) {
        Optional<String> contentType = request.contentType();
        if (contentType.isPresent() && !isJson(contentType.get())) {
            throw new TableProtocolException(request.version(), 415,
                    "Unsupported content type: send the item as application/json");
        }
        if (body == null || body.length == 0) {
            throw new TableProtocolException(request.version(), 400, "An item was not provided");
        }
        int maxItem = Math.min(limits.maxItemBytes(), limits.maxBodyBytes());
        if (body.length > maxItem) {
            throw new TableProtocolException(request.version(), 413, "The item is larger than " + maxItem
                    + " bytes");
        }
        JsonNode node;
        try {
            node = bodyReader.readTree(body);
        } catch (JsonProcessingException e) {
            throw new TableProtocolException(request.version(), 400, "The body is not valid JSON: "
                    + JsonPolicy.describe(e));
        } catch (IOException e) {
            throw new TableProtocolException(request.version(), 400, "The body could not be read");
        }
        if (node == null || !node.isObject()) {
            throw new TableProtocolException(request.version(), 400, "The item must be a JSON object");
        }
        Optional<String> outOfRange = JsonPolicy.firstNonFiniteNumber(node);
        if (outOfRange.isPresent()) {
            throw new TableProtocolException(request.version(), 400, JsonPolicy.nonFiniteMessage(outOfRange.get()));
        }
        return (ObjectNode) node;
    }

    private static boolean isJson(String contentType) {
        MediaType type;
        try {
            type = MediaType.valueOf(contentType);
        } catch (IllegalArgumentException e) {
            return false;
        }
        String subtype = type.getSubtype().toLowerCase(Locale.ROOT);
        // Some HTTP stacks label a body they know nothing about as */* or octet-stream: as good as no content type.
        return subtype.equals("json") || subtype.endsWith("+json") || subtype.equals("octet-stream")
                || type.isWildcardType();
    }

    /** Errors in the protocol's own shape. */
    @ServerExceptionMapper
    public Response mapTableProtocolException(TableProtocolException e) {
        return responses.error(e);
    }

    private static String abbreviate(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }
}
