package io.edgesync.protocol.zumo;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.RecordStore;
import io.edgesync.cache.StoredRecord;
import io.edgesync.cache.TableInfo;
import io.edgesync.cache.WriteOutcome;
import io.edgesync.common.DatabaseAvailability;
import io.edgesync.common.DomainException;
import io.edgesync.common.ErrorTable;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.odata.ResolvedColumn;
import io.edgesync.sync.WriteResult;
import io.quarkus.logging.Log;

/**
 * How the table protocol answers, in each version's shape (docs/protocol.md): pages, records with their entity tags,
 * the outcome of a write, and errors ({@code {"error": ...}} for v2, problem+json for v3). Every answer is uncached.
 */
final class TableResponses {

    private static final String NOT_FOUND = "The item does not exist";
    private static final String GONE = "The item has been deleted";
    private static final MediaType JSON_UTF8 = MediaType.APPLICATION_JSON_TYPE.withCharset("utf-8");
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private final ObjectMapper json;
    private final ItemWriter writer;
    private final EdgeSyncConfig.Protocol protocol;
    private final DatabaseAvailability databases;

    TableResponses(ObjectMapper json, ItemWriter writer, EdgeSyncConfig.Protocol protocol,
            DatabaseAvailability databases) {
        this.json = json;
        this.writer = writer;
        this.protocol = protocol;
        this.databases = databases;
    }

    /** A page: v2's array (or results and count) with a {@code Link} header, v3's items, count and nextLink. */
    Response page(TableRequest request, TableInfo table, Optional<List<ResolvedColumn>> select,
            RecordStore.Page page, Optional<Long> count, Optional<String> nextQuery) {
        ArrayNode items = json.createArrayNode();
        for (StoredRecord record : page.records()) {
            items.add(writer.writeItem(table, record, select));
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
        return json(response, body);
    }

    /**
     * A read by id: the record, 404 (or v3's 410 for a tombstone the client did not ask for), v3's 304 and 412 for its
     * conditional headers. {@code select} is read only for a record that is answered.
     */
    Response found(TableRequest request, TableInfo table, Optional<StoredRecord> found,
            Supplier<Optional<List<ResolvedColumn>>> select) {
        if (found.isEmpty() || (found.get().deleted() && !table.softDelete())) {
            throw notFound(request);
        }
        StoredRecord record = found.get();
        if (record.deleted() && !request.includeDeleted()) {
            throw goneOrNotFound(request);
        }
        if (!request.isV2()) {
            if (TablePreconditions.notModified(request, record)) {
                return noCache(Response.notModified()).header(HttpHeaders.ETAG, EntityTags.etagOf(record.version()))
                        .build();
            }
            if (TablePreconditions.ifMatchFails(request, record)) {
                return item(request, Response.status(412), table, record);
            }
        }
        Response.ResponseBuilder response = Response.ok()
                .header(HttpHeaders.ETAG, EntityTags.etagOf(record.version()));
        if (!request.isV2()) {
            response.header(HttpHeaders.LAST_MODIFIED, HTTP_DATE.format(record.updatedAt()));
        }
        return json(response, writer.writeItem(table, record, select.get()));
    }

    /**
     * The outcome of a write: {@code successStatus} with the record (201 with its Location, 204 without a body), 409
     * with the existing record for an insert of a taken id, {@code conflictStatus} with the current record when the
     * precondition failed, the protocol's status of a refused operation.
     */
    Response written(TableRequest request, WriteResult result, int successStatus, int conflictStatus) {
        WriteOutcome outcome = result.outcome();
        if (outcome instanceof WriteOutcome.Rejected rejected) {
            throw new TableProtocolException(request.version(), ErrorTable.status(rejected.kind()), rejected.message());
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
            return item(request, response, table, record);
        }
        if (outcome instanceof WriteOutcome.IdTaken) {
            throw new TableProtocolException(request.version(), 409, "The id is already in use");
        }
        if (outcome instanceof WriteOutcome.AlreadyExists exists) {
            return item(request, Response.status(409), table, exists.current());
        }
        if (outcome instanceof WriteOutcome.PreconditionFailed failed) {
            return item(request, Response.status(conflictStatus), table, failed.current());
        }
        if (outcome instanceof WriteOutcome.Deleted) {
            throw goneOrNotFound(request);
        }
        throw notFound(request);
    }

    /**
     * A failure of a request in the protocol's terms: a caller's failure or the database's with the status
     * {@link ErrorTable} gives it, anything else a logged 500.
     */
    TableProtocolException failure(ProtocolVersion version, Throwable e) {
        if (e instanceof TableProtocolException protocolException) {
            return protocolException.in(version);
        }
        // (the database's: the request's own values or query, a data exception, a string too long, or a busy database)
        Optional<DomainException> known = databases.knownFailure(e);
        if (known.isPresent()) {
            DomainException failure = known.get();
            return new TableProtocolException(version, ErrorTable.status(failure.kind()), failure.getMessage(),
                    failure.retryAfterSeconds());
        }
        Log.errorf(e, "Table request failed");
        return new TableProtocolException(version, 500, "Internal error");
    }

    /** An error in the protocol's own shape: {@code {"error": ...}} for v2, problem+json for v3. */
    Response error(TableProtocolException e) {
        ObjectNode body = json.createObjectNode();
        // json() (v2) adds the cache headers itself
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
        return json(response, body);
    }

    static TableProtocolException notFound(TableRequest request) {
        return new TableProtocolException(request.version(), 404, NOT_FOUND);
    }

    /** A deleted record: 404 in v2, 410 in v3. */
    private static TableProtocolException goneOrNotFound(TableRequest request) {
        return request.isV2() ? notFound(request) : new TableProtocolException(request.version(), 410, GONE);
    }

    private Response item(TableRequest request, Response.ResponseBuilder response, TableInfo table,
            StoredRecord record) {
        response.header(HttpHeaders.ETAG, EntityTags.etagOf(record.version()));
        if (!request.isV2()) {
            response.header(HttpHeaders.LAST_MODIFIED, HTTP_DATE.format(record.updatedAt()));
        }
        return json(response, writer.writeItem(table, record));
    }

    private Response json(Response.ResponseBuilder response, JsonNode body) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Could not write a response", e);
        }
        return noCache(response)
                .type(JSON_UTF8)
                .header(HttpHeaders.CONTENT_LENGTH, bytes.length)
                .entity(bytes)
                .build();
    }

    private static Response.ResponseBuilder noCache(Response.ResponseBuilder response) {
        return response.header(HttpHeaders.CACHE_CONTROL, "no-cache")
                .header(HttpHeaders.EXPIRES, "0")
                .header("Pragma", "no-cache");
    }

    private static String urlEncode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
