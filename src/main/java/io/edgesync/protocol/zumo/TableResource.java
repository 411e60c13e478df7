package io.edgesync.protocol.zumo;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
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
import jakarta.ws.rs.core.UriInfo;

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
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.ItemValidator.InvalidItemException;
import io.edgesync.cache.Precondition;
import io.edgesync.cache.RecordStore;
import io.edgesync.cache.StoredRecord;
import io.edgesync.cache.TableCatalog;
import io.edgesync.cache.TableInfo;
import io.edgesync.cache.VisibilityHorizon;
import io.edgesync.cache.WriteOutcome;
import io.edgesync.common.ApiException;
import io.edgesync.common.DatabaseAvailability;
import io.edgesync.common.Deadlines;
import io.edgesync.common.JsonPolicy;
import io.edgesync.common.Meters;
import io.edgesync.common.Problem;
import io.edgesync.config.ActiveIn;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.config.Role;
import io.edgesync.device.DeviceIds;
import io.edgesync.device.DeviceQueue;
import io.edgesync.odata.Expr;
import io.edgesync.odata.ODataException;
import io.edgesync.odata.ODataLimits;
import io.edgesync.odata.ODataParser;
import io.edgesync.odata.OrderBy;
import io.edgesync.odata.ResolvedColumn;
import io.edgesync.security.TableAccess;
import io.edgesync.sync.WriteCall;
import io.edgesync.sync.WriteRequest;
import io.edgesync.sync.WriteResult;
import io.edgesync.sync.WriteService;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.tuples.Tuple2;

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

    /** The header the Azure clients send with a per-install GUID: the device id of ZUMO traffic. */
    static final String INSTALLATION_ID = "X-ZUMO-INSTALLATION-ID";
    private static final String NOT_FOUND = "The item does not exist";
    private static final String GONE = "The item has been deleted";
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private final TableCatalog catalog;
    private final RecordStore store;
    private final VisibilityHorizon visibility;
    private final WriteService writes;
    private final ZumoAnswers answers;
    private final DeviceQueue devices;
    private final TableAccess access;
    private final MeterRegistry metrics;
    private final ItemWriter writer;
    private final ObjectMapper json;
    private final ObjectReader bodyReader;
    private final EdgeSyncConfig.Protocol protocol;
    private final EdgeSyncConfig.Limits limits;
    private final ODataLimits odataLimits;
    private final DatabaseAvailability databases;
    private final Duration requestTimeout;

    public TableResource(TableCatalog catalog, RecordStore store, VisibilityHorizon visibility,
            WriteService writes, ZumoAnswers answers, DeviceQueue devices, TableAccess access, ItemWriter writer,
            ObjectMapper json, EdgeSyncConfig config, MeterRegistry metrics, DatabaseAvailability databases) {
        this.catalog = catalog;
        this.databases = databases;
        this.requestTimeout = Duration.ofMillis(config.limits().requestTimeoutMillis());
        this.store = store;
        this.visibility = visibility;
        this.writes = writes;
        this.answers = answers;
        this.devices = devices;
        this.access = access;
        this.metrics = metrics;
        this.writer = writer;
        this.json = json;
        this.bodyReader = json.reader()
                .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
        this.protocol = config.protocol();
        this.limits = config.limits();
        this.odataLimits = new ODataLimits(limits.maxQueryLength(), limits.maxFilterDepth(),
                ODataLimits.DEFAULT_MAX_IN_LIST_SIZE);
    }

    // ---------------------------------------------------------------------------------------------------- queries

    @GET
    @Path("{table}")
    @Operation(summary = "Query a table ($filter, $orderby, $skip, $top, $select, counts, tombstones)")
    @APIResponse(responseCode = "200", description = "One page. v2: the array of records, or TablePageV2 with $inlinecount=allpages, and a Link header to the next page; v3: TablePageV3", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(oneOf = {
            TableRecord[].class, TablePageV2.class, TablePageV3.class})))
    public Uni<Response> queryTable(@PathParam("table") String tableName, @Context UriInfo uri,
            @Context HttpHeaders headers) {
        return handle(uri, headers, request -> requireTable(request, tableName, false)
                .call(table -> bindDevice(request))
                .chain(table -> queryTable(request, table, true)));
    }

    private Uni<Response> queryTable(TableRequest request, TableInfo table, boolean retryWithFreshMetadata) {
        EdgeSyncConfig.Paging v2 = protocol.v2();
        EdgeSyncConfig.V3Paging v3 = protocol.v3();
        int pageSize = request.isV2() ? v2.pageSize() : v3.pageSize();
        Optional<Long> top = request.nonNegative("$top");
        long skip = request.nonNegative("$skip").orElse(0L);
        if (skip > this.limits.maxSkip()) {
            throw new TableProtocolException(request.version(), 400, "$skip may be at most " + this.limits.maxSkip()
                    + "; page with a filter on updatedAt instead");
        }
        if (!request.isV2() && top.isPresent() && top.get() > v3.maxTop()) {
            throw new TableProtocolException(request.version(), 400,
                    "You cannot request more than " + v3.maxTop() + " records");
        }
        Optional<Expr> filter;
        List<OrderBy> orderBy;
        Optional<List<ResolvedColumn>> select;
        try {
            filter = request.query()
                    .first("$filter")
                    .filter(f -> !f.isBlank())
                    .map(f -> ODataParser.parseFilter(f, odataLimits));
            orderBy = request.query()
                    .first("$orderby")
                    .filter(o -> !o.isBlank())
                    .map(o -> ODataParser.parseOrderBy(o, odataLimits))
                    .orElse(List.of());
            select = request.query()
                    .first("$select")
                    .filter(s -> !s.isBlank())
                    .map(s -> resolveSelect(table, ODataParser.parseSelect(s, odataLimits)));
        } catch (ODataException e) {
            return retryOrFail(request, table, retryWithFreshMetadata, e);
        }
        int limit = (int) Math.min(top.orElse(Long.MAX_VALUE), pageSize);
        boolean serverLimited = top.isEmpty() || top.get() > pageSize;
        boolean includeDeleted = request.includeDeleted();
        boolean withCount = request.isV2()
                ? request.query().first("$inlinecount").map("allpages"::equals).orElse(false)
                : request.query().first("$count").map("true"::equalsIgnoreCase).orElse(false);
        Optional<WatermarkPaging.Rewritten> watermark = WatermarkPaging.rewrite(filter, orderBy, skip);
        Optional<Expr> pageFilter = watermark.map(w -> Optional.of(w.filter())).orElse(filter);
        long pageSkip = watermark.map(WatermarkPaging.Rewritten::skip).orElse(skip);
        try {
            // Translate before waiting for the horizon: an invalid query is an error at once.
            store.queryStatement(table, request.scope(), OptionalLong.empty(), pageFilter, orderBy, includeDeleted,
                    pageSkip, limit);
        } catch (ODataException e) {
            return retryOrFail(request, table, retryWithFreshMetadata, e);
        }
        // A pull (ordered by updatedAt, or from a watermark) reads only settled changes: below the horizon (ADR 0003).
        Uni<Optional<VisibilityHorizon.Visible>> horizon = table.persisted() && WatermarkPaging.isPull(filter, orderBy)
                ? visibility.forPull(table.name()).map(Optional::of)
                : Uni.createFrom().item(Optional.empty());
        return horizon.chain(visible -> {
            Optional<RecordStore.Page> known = visible.flatMap(v -> UpToDatePulls.answer(v, filter, pageFilter,
                    request.scope(), includeDeleted, limit));
            if (known.isPresent() && (!withCount || UpToDatePulls.countIsZero(filter))) {
                // The device is up to date: nothing above its watermark is visible, which the horizon knows.
                return Uni.createFrom()
                        .item(Tuple2.of(known.get(), withCount ? Optional.of(0L) : Optional.<Long>empty()));
            }
            OptionalLong clip = visible.map(v -> OptionalLong.of(v.horizon())).orElse(OptionalLong.empty());
            return Uni.combine()
                    .all()
                    .unis(store.queryRecords(table, request.scope(), clip, pageFilter, orderBy, includeDeleted,
                            pageSkip, limit),
                            withCount
                                    ? store.countRecords(table, request.scope(), clip, filter, includeDeleted)
                                            .map(Optional::of)
                                    : Uni.createFrom().item(Optional.<Long>empty()))
                    .asTuple();
        })
                .invoke(result -> trackPull(request, table, filter, result.getItem1()))
                .invoke(result -> Meters.counter(metrics, "edgesync.pull.rows", "table", table.name(), "protocol",
                        request.isV2() ? "zumo-v2" : "zumo-v3").increment(result.getItem1().records().size()))
                .map(result -> listResponse(request, table, select, result.getItem1(), result.getItem2(), skip, top,
                        serverLimited, orderBy));
    }

    /**
     * A ZUMO device's incremental pull moves its replica record: the pull's filter without its watermark is the query
     * id, the newest updatedAt it received the watermark. Runs after the answer, and never fails the request.
     */
    private void trackPull(TableRequest request, TableInfo table, Optional<Expr> filter, RecordStore.Page page) {
        Optional<String> device = deviceId(request);
        if (device.isEmpty()) {
            return;
        }
        Uni<Void> tracking = Uni.createFrom().voidItem();
        Optional<Instant> watermark = filter.flatMap(WatermarkPaging::watermarkOf);
        if (watermark.isPresent() && table.persisted()) {
            Instant pulledTo = page.records().isEmpty()
                    ? watermark.get()
                    : page.records().get(page.records().size() - 1).updatedAt();
            String queryId = PullQueries.queryId(request.query().first("$filter").orElse(""));
            tracking = tracking.chain(() -> devices.recordPull(device.get(), table.name(), queryId, pulledTo,
                    null, page.records().size()));
        }
        tracking.subscribe().with(done -> {
        }, failure -> Log.warnf("Could not record the pull of device %s: %s", device.get(),
                failure.getMessage()));
    }

    private Uni<Response> retryOrFail(TableRequest request, TableInfo table, boolean retry, ODataException e) {
        if (retry && table.persisted() && e.getMessage() != null && e.getMessage().startsWith("Unknown member")) {
            // Another gateway instance may have added the column: look again before calling it unknown.
            return catalog.reloadTable(table.name())
                    .chain(fresh -> queryTable(request, fresh.orElse(table), false));
        }
        throw e;
    }

    private List<ResolvedColumn> resolveSelect(TableInfo table, List<String> members) {
        List<ResolvedColumn> columns = new ArrayList<>();
        for (String member : members) {
            columns.add(table.resolver()
                    .resolve(member)
                    .orElseThrow(() -> new ODataException("Unknown member '" + member + "' in $select")));
        }
        return columns;
    }

    private Response listResponse(TableRequest request, TableInfo table, Optional<List<ResolvedColumn>> select,
            RecordStore.Page page, Optional<Long> count, long skip, Optional<Long> top, boolean serverLimited,
            List<OrderBy> orderBy) {
        ArrayNode items = json.createArrayNode();
        for (StoredRecord record : page.records()) {
            items.add(writer.writeItem(table, record, select));
        }
        Optional<String> nextQuery = Optional.empty();
        if (serverLimited && page.hasMore()) {
            int returned = page.records().size();
            Map<String, String> paging = new LinkedHashMap<>();
            paging.put("$skip", Long.toString(skip + returned));
            top.ifPresent(t -> paging.put("$top", Long.toString(t - returned)));
            if (!request.isV2() && KeysetNextLink.applies(orderBy)) {
                // Datasync clients follow nextLink through a whole pull: continue after the last row's stamp instead
                // of counting rows, so updates during the pull cannot shift a row out of the pages.
                StoredRecord last = page.records().get(returned - 1);
                paging.put("$skip", null);
                paging.put("$filter", KeysetNextLink.filterAfter(request.query().first("$filter"), last.updatedAt()));
            }
            nextQuery = Optional.of(request.query().with(paging));
        }
        Response.ResponseBuilder response = Response.ok();
        JsonNode body;
        if (request.isV2()) {
            nextQuery.ifPresent(q -> response.header("Link", request.urlWithoutQuery() + "?" + q + "; rel=next"));
            if (count.isPresent()) {
                ObjectNode results = json.createObjectNode();
                results.set("results", items);
                results.put("count", count.get());
                body = results;
            } else {
                body = items;
            }
        } else {
            ObjectNode result = json.createObjectNode();
            result.set("items", items);
            if (count.isPresent()) {
                result.put("count", count.get());
            } else {
                result.putNull("count");
            }
            if (nextQuery.isPresent()) {
                result.put("nextLink", protocol.v3().nextLink() == EdgeSyncConfig.NextLinkStyle.ABSOLUTE
                        ? request.urlWithoutQuery() + "?" + nextQuery.get()
                        : nextQuery.get());
            } else {
                result.putNull("nextLink");
            }
            body = result;
        }
        return jsonResponse(response, body);
    }

    @GET
    @Path("{table}/{id}")
    @Operation(summary = "Read one record")
    @APIResponse(responseCode = "200", description = "The record, its ETag and (v3) Last-Modified", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TableRecord.class)))
    @APIResponse(responseCode = "304", description = "v3: If-None-Match matches, or the record did not change after If-Modified-Since")
    @APIResponse(responseCode = "410", ref = "TableRecordGone")
    @APIResponse(responseCode = "412", ref = "TablePreconditionFailed")
    public Uni<Response> findRecord(@PathParam("table") String tableName, @PathParam("id") String id,
            @Context UriInfo uri, @Context HttpHeaders headers) {
        return handle(uri, headers, request -> requireTable(request, tableName, false)
                .call(table -> bindDevice(request))
                .chain(table -> store.findRecord(table, id)
                        .map(found -> findResponse(request, table,
                                found.filter(record -> request.scope().includes(record.owner()))))));
    }

    private Response findResponse(TableRequest request, TableInfo table, Optional<StoredRecord> found) {
        if (found.isEmpty() || (found.get().deleted() && !table.softDelete())) {
            throw notFound(request);
        }
        StoredRecord record = found.get();
        if (record.deleted() && !request.includeDeleted()) {
            throw request.isV2() ? notFound(request) : new TableProtocolException(request.version(), 410, GONE);
        }
        if (!request.isV2()) {
            Optional<String> ifNoneMatch = request.header(HttpHeaders.IF_NONE_MATCH);
            boolean notModified = ifNoneMatch.isPresent()
                    ? EntityTags.ifNoneMatch(ifNoneMatch.get(), record.version())
                    : request.dateHeader(HttpHeaders.IF_MODIFIED_SINCE)
                            .map(since -> !record.updatedAt().truncatedTo(ChronoUnit.SECONDS).isAfter(since))
                            .orElse(false);
            if (notModified) {
                return noCache(Response.notModified()).header(HttpHeaders.ETAG, EntityTags.etagOf(record.version()))
                        .build();
            }
            Optional<String> ifMatch = request.header(HttpHeaders.IF_MATCH);
            if (ifMatch.isPresent() && !EntityTags.ifMatch(ifMatch.get(), record.version())) {
                return itemResponse(request, Response.status(412), table, record);
            }
        }
        Optional<List<ResolvedColumn>> select = request.query()
                .first("$select")
                .filter(s -> !s.isBlank())
                .map(s -> resolveSelect(table, ODataParser.parseSelect(s, odataLimits)));
        Response.ResponseBuilder response = Response.ok()
                .header(HttpHeaders.ETAG, EntityTags.etagOf(record.version()));
        if (!request.isV2()) {
            response.header(HttpHeaders.LAST_MODIFIED, HTTP_DATE.format(record.updatedAt()));
        }
        return jsonResponse(response, writer.writeItem(table, record, select));
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
            @Context UriInfo uri,
            @Context HttpHeaders headers) {
        return handle(uri, headers, request -> {
            ObjectNode item = parseItem(request, body);
            WriteRequest write = new WriteRequest(tableName, WriteRequest.INSERT, Optional.empty(), Optional.of(item),
                    Precondition.NONE, Optional.empty(), Optional.empty(), Optional.empty(), false, false, false);
            return writes.write(call(request), write)
                    .map(result -> writeResponse(request, result, 201, 409));
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
            @Context UriInfo uri, @Context HttpHeaders headers) {
        return handle(uri, headers, request -> updateRecord(request, tableName, Optional.of(id), body, true));
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
            @Context UriInfo uri, @Context HttpHeaders headers) {
        return handle(uri, headers, request -> updateRecord(request, tableName, Optional.empty(), body, true));
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
            @Context UriInfo uri, @Context HttpHeaders headers) {
        return handle(uri, headers, request -> updateRecord(request, tableName, Optional.of(id), body, false));
    }

    private Uni<Response> updateRecord(TableRequest request, String tableName, Optional<String> urlId, byte[] body,
            boolean merge) {
        ObjectNode item = parseItem(request, body);
        Optional<String> bodyVersion = Optional.ofNullable(item.get(TableInfo.VERSION))
                .filter(JsonNode::isTextual)
                .map(JsonNode::asText)
                .filter(version -> !version.isEmpty());
        Conditions conditions = conditions(request, bodyVersion);
        boolean allowDeleted = !request.isV2() && request.includeDeleted();
        // An update of a record the server deleted is a conflict for the table's policy, as in the native API: under
        // server-wins the answer stays 404 (v2) or 410 (v3); a policy that lets the device win brings the record back.
        WriteRequest write = new WriteRequest(tableName, WriteRequest.UPDATE, urlId, Optional.of(item),
                conditions.precondition(), baseVersion(request, bodyVersion), Optional.empty(), Optional.empty(), merge,
                allowDeleted, true);
        return writes.write(call(request), write)
                .map(result -> writeResponse(request, result, 200, conditions.failureStatus()));
    }

    @DELETE
    @Path("{table}/{id}")
    @Operation(summary = "Delete a record (a tombstone is kept for pulls)")
    @APIResponse(responseCode = "200", description = "v2: the tombstone (deleted: true) and its ETag", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TableRecord.class)))
    @APIResponse(responseCode = "204", description = "v3: deleted")
    @APIResponse(responseCode = "410", ref = "TableRecordGone")
    @APIResponse(responseCode = "412", ref = "TablePreconditionFailed")
    public Uni<Response> deleteRecord(@PathParam("table") String tableName, @PathParam("id") String id,
            @Context UriInfo uri, @Context HttpHeaders headers) {
        return handle(uri, headers, request -> writeById(request, tableName, id, WriteRequest.DELETE,
                request.isV2() ? 200 : 204));
    }

    @POST
    @Path("{table}/{id}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Undelete a soft-deleted record (v2)")
    @APIResponse(responseCode = "201", description = "The record (deleted: false) and its ETag", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TableRecord.class)))
    @APIResponse(responseCode = "412", ref = "TablePreconditionFailed")
    public Uni<Response> undeleteRecord(@PathParam("table") String tableName, @PathParam("id") String id,
            @Context UriInfo uri, @Context HttpHeaders headers) {
        return handle(uri, headers, request -> writeById(request, tableName, id, WriteRequest.UNDELETE, 201));
    }

    /** A delete or undelete: the record is named by the URL, the precondition by the headers. */
    private Uni<Response> writeById(TableRequest request, String tableName, String id, String kind,
            int successStatus) {
        Conditions conditions = conditions(request, Optional.empty());
        WriteRequest write = new WriteRequest(tableName, kind, Optional.of(id), Optional.empty(),
                conditions.precondition(), baseVersion(request, Optional.empty()), Optional.empty(), Optional.empty(),
                false, false, false);
        return writes.write(call(request), write)
                .map(result -> writeResponse(request, result, successStatus, conditions.failureStatus()));
    }

    /** The caller, and the device behind a table request: its {@code X-ZUMO-INSTALLATION-ID}, when it sends one. */
    private WriteCall call(TableRequest request) {
        return new WriteCall(request.caller(), deviceId(request), protocolOf(request), clientVersion(request),
                answers);
    }

    private static Optional<String> deviceId(TableRequest request) {
        return request.header(INSTALLATION_ID).filter(DeviceIds::isValid);
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
        return deviceId(request)
                .map(id -> devices.touchDevice(id, protocolOf(request), clientVersion(request).orElse(null),
                        request.caller().subject()))
                .orElseGet(() -> Uni.createFrom().voidItem());
    }

    /** The version the client based its change on: If-Match (a single strong value), or the body's version. */
    private static Optional<String> baseVersion(TableRequest request, Optional<String> bodyVersion) {
        return request.header(HttpHeaders.IF_MATCH)
                .flatMap(EntityTags::singleStrongValue)
                .or(() -> bodyVersion);
    }

    /** The precondition of a write and the status its failure answers with (docs/protocol.md 5). */
    private record Conditions(Precondition precondition, int failureStatus) {
    }

    private Conditions conditions(TableRequest request, Optional<String> bodyVersion) {
        Optional<String> ifMatch = request.header(HttpHeaders.IF_MATCH);
        if (request.isV2()) {
            if (ifMatch.isPresent()) {
                return new Conditions(ifMatchCondition(ifMatch.get()), 412);
            }
            if (bodyVersion.isPresent()) {
                // A version in the body without If-Match is a conditional write that answers 409 (Q20).
                return new Conditions(Precondition.versionIs(bodyVersion.get()), 409);
            }
            return new Conditions(Precondition.NONE, 412);
        }
        Optional<String> ifNoneMatch = request.header(HttpHeaders.IF_NONE_MATCH);
        Optional<Instant> unmodifiedSince = request.dateHeader("If-Unmodified-Since");
        if (ifNoneMatch.isEmpty() && unmodifiedSince.isEmpty()) {
            return new Conditions(ifMatch.map(TableResource::ifMatchCondition).orElse(Precondition.NONE), 412);
        }
        Precondition precondition = current -> ifMatch.map(h -> EntityTags.ifMatch(h, current.version()))
                .orElse(true)
                && ifNoneMatch.map(h -> !EntityTags.ifNoneMatch(h, current.version())).orElse(true)
                && unmodifiedSince.map(t -> !current.updatedAt().truncatedTo(ChronoUnit.SECONDS).isAfter(t))
                        .orElse(true);
        return new Conditions(precondition, 412);
    }

    /** If-Match: a single strong ETag is a plain version check (which a single write makes in its statement). */
    private static Precondition ifMatchCondition(String ifMatch) {
        return EntityTags.singleStrongValue(ifMatch)
                .map(Precondition::versionIs)
                .orElse(current -> EntityTags.ifMatch(ifMatch, current.version()));
    }

    private Response writeResponse(TableRequest request, WriteResult result, int successStatus, int conflictStatus) {
        WriteOutcome outcome = result.outcome();
        if (outcome instanceof WriteOutcome.Rejected rejected) {
            throw new TableProtocolException(request.version(), rejected.status(), rejected.message());
        }
        TableInfo table = result.table().orElseThrow();
        if (outcome instanceof WriteOutcome.Applied applied) {
            StoredRecord record = applied.record();
            if (successStatus == 204) {
                return noCache(Response.noContent()).build();
            }
            Response.ResponseBuilder response = Response.status(successStatus);
            if (successStatus == 201) {
                response.header(HttpHeaders.LOCATION, request.origin() + "/tables/"
                        + urlEncode(table.displayName()) + "/" + urlEncode(record.id()));
            }
            return itemResponse(request, response, table, record);
        }
        if (outcome instanceof WriteOutcome.IdTaken) {
            throw new TableProtocolException(request.version(), 409, "The id is already in use");
        }
        if (outcome instanceof WriteOutcome.AlreadyExists exists) {
            return itemResponse(request, Response.status(409), table, exists.current());
        }
        if (outcome instanceof WriteOutcome.PreconditionFailed failed) {
            return itemResponse(request, Response.status(conflictStatus), table, failed.current());
        }
        if (outcome instanceof WriteOutcome.Deleted) {
            throw request.isV2() ? notFound(request) : new TableProtocolException(request.version(), 410, GONE);
        }
        throw notFound(request);
    }

    // ---------------------------------------------------------------------------------------------------- helpers

    private Uni<Response> handle(UriInfo uri, HttpHeaders headers,
            Function<TableRequest, Uni<Response>> action) {
        TableRequest request;
        try {
            request = TableRequest.of(uri, headers, protocol.strictVersion());
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(e);
        }
        return Deadlines.within(access.currentCaller()
                .invoke(caller -> request.caller(caller))
                .chain(() -> action.apply(request)), requestTimeout)
                .onFailure()
                .transform(e -> toProtocolException(request.version(), e));
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
                });
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

    private Response itemResponse(TableRequest request, Response.ResponseBuilder response, TableInfo table,
            StoredRecord record) {
        response.header(HttpHeaders.ETAG, EntityTags.etagOf(record.version()));
        if (!request.isV2()) {
            response.header(HttpHeaders.LAST_MODIFIED, HTTP_DATE.format(record.updatedAt()));
        }
        return jsonResponse(response, writer.writeItem(table, record));
    }

    private Response jsonResponse(Response.ResponseBuilder response, JsonNode body) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Could not write a response", e);
        }
        return noCache(response)
                .type(MediaType.APPLICATION_JSON_TYPE.withCharset("utf-8"))
                .header(HttpHeaders.CONTENT_LENGTH, bytes.length)
                .entity(bytes)
                .build();
    }

    private static Response.ResponseBuilder noCache(Response.ResponseBuilder response) {
        return response.header(HttpHeaders.CACHE_CONTROL, "no-cache")
                .header(HttpHeaders.EXPIRES, "0")
                .header("Pragma", "no-cache");
    }

    private static TableProtocolException notFound(TableRequest request) {
        return new TableProtocolException(request.version(), 404, NOT_FOUND);
    }

    private TableProtocolException toProtocolException(ProtocolVersion version, Throwable e) {
        if (e instanceof TableProtocolException protocolException) {
            return protocolException.in(version);
        }
        if (e instanceof ApiException api) {
            return new TableProtocolException(version, api.status(), api.getMessage(), api.retryAfterSeconds());
        }
        if (e instanceof ODataException || e instanceof InvalidItemException) {
            return new TableProtocolException(version, 400, e.getMessage());
        }
        Optional<ApiException> database = databases.classify(e);
        if (database.isPresent()) {
            // The request's own values or query (a data exception, a string too long), or a busy database.
            return new TableProtocolException(version, database.get().status(), database.get().getMessage(),
                    database.get().retryAfterSeconds());
        }
        Log.errorf(e, "Table request failed");
        return new TableProtocolException(version, 500, "Internal error");
    }

    /** Errors in the protocol's own shape: {@code {"error": ...}} for v2, problem+json for v3. */
    @ServerExceptionMapper
    public Response mapTableProtocolException(TableProtocolException e) {
        ObjectNode body = json.createObjectNode();
        // jsonResponse (v2) adds the cache headers itself
        Response.ResponseBuilder response = Response.status(e.status());
        if (e.status() == 401) {
            response.header("WWW-Authenticate", "Bearer");
        }
        e.retryAfterSeconds().ifPresent(seconds -> response.header("Retry-After", seconds));
        if (e.version() == ProtocolVersion.V3) {
            body.put("type", "about:blank");
            Response.StatusType status = Response.Status.fromStatusCode(e.status());
            body.put("title", status == null ? "Error" : status.getReasonPhrase());
            body.put("status", e.status());
            body.put("detail", e.getMessage());
            body.put("error", e.getMessage());
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            return noCache(response).type("application/problem+json")
                    .header(HttpHeaders.CONTENT_LENGTH, bytes.length)
                    .entity(bytes)
                    .build();
        }
        body.put("error", e.getMessage());
        return jsonResponse(response, body);
    }

    private static String urlEncode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String abbreviate(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }
}
