package io.edgesync.protocol.zumo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import jakarta.ws.rs.core.Response;

import io.edgesync.cache.RecordStore;
import io.edgesync.cache.TableCatalog;
import io.edgesync.cache.TableInfo;
import io.edgesync.cache.VisibilityHorizon;
import io.edgesync.common.Meters;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.device.DeviceQueue;
import io.edgesync.odata.Expr;
import io.edgesync.odata.ODataException;
import io.edgesync.odata.ODataLimits;
import io.edgesync.odata.ODataParser;
import io.edgesync.odata.OrderBy;
import io.edgesync.odata.ResolvedColumn;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.tuples.Tuple2;

/**
 * The table protocol's reads: a query ({@code $filter}, {@code $orderby}, paging, {@code $select}, counts) answered
 * from the cache below the table's visibility horizon, or from the horizon alone when the device is up to date, and a
 * read by id. A device's incremental pull moves its replica record.
 */
final class TableQueries {

    private final TableCatalog catalog;
    private final RecordStore store;
    private final VisibilityHorizon visibility;
    private final DeviceQueue devices;
    private final MeterRegistry metrics;
    private final TableResponses responses;
    private final EdgeSyncConfig.Protocol protocol;
    private final EdgeSyncConfig.Limits limits;
    private final ODataLimits odataLimits;
    private final ParsedFilters filters;

    TableQueries(TableCatalog catalog, RecordStore store, VisibilityHorizon visibility, DeviceQueue devices,
            MeterRegistry metrics, TableResponses responses, EdgeSyncConfig config) {
        this.catalog = catalog;
        this.store = store;
        this.visibility = visibility;
        this.devices = devices;
        this.metrics = metrics;
        this.responses = responses;
        this.protocol = config.protocol();
        this.limits = config.limits();
        this.odataLimits = limits.odata();
        this.filters = new ParsedFilters(odataLimits);
    }

    /** One page of a query of {@code table}. */
    Uni<Response> query(TableRequest request, TableInfo table) {
        return query(request, table, true);
    }

    /** The record {@code id} of {@code table}, as the caller may see it. */
    Uni<Response> find(TableRequest request, TableInfo table, String id) {
        return store.findRecord(table, id)
                .map(found -> responses.found(request, table,
                        found.filter(record -> request.scope().includes(record.owner())),
                        () -> select(request, table)));
    }

    private Uni<Response> query(TableRequest request, TableInfo table, boolean retryWithFreshMetadata) {
        TablePaging paging = TablePaging.of(request, protocol, limits.maxSkip());
        Optional<ParsedFilters.Parsed> parsedFilter;
        List<OrderBy> orderBy;
        Optional<List<ResolvedColumn>> select;
        try {
            parsedFilter = request.query().first("$filter").filter(f -> !f.isBlank()).map(filters::parse);
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
        Optional<Expr> filter = parsedFilter.map(ParsedFilters.Parsed::expr);
        int limit = paging.limit();
        boolean withCount = paging.withCount();
        boolean includeDeleted = request.includeDeleted();
        Optional<WatermarkPaging.Rewritten> watermark = WatermarkPaging.rewrite(filter, orderBy, paging.skip());
        Optional<Expr> pageFilter = watermark.map(w -> Optional.of(w.filter())).orElse(filter);
        long pageSkip = watermark.map(WatermarkPaging.Rewritten::skip).orElse(paging.skip());
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
                .invoke(result -> trackPull(request, table, parsedFilter, result.getItem1()))
                .invoke(result -> countPull(request, table, result.getItem1().records().size()))
                .map(result -> responses.page(request, table, select, result.getItem1(), result.getItem2(),
                        paging.nextQuery(request, result.getItem1(), orderBy)));
    }

    private void countPull(TableRequest request, TableInfo table, int rows) {
        String protocol = request.isV2() ? "zumo-v2" : "zumo-v3";
        Meters.counter(metrics, "edgesync.pull.rows", "table", table.name(), "protocol", protocol).increment(rows);
        Meters.counter(metrics, "edgesync.pulls", "table", table.name(), "protocol", protocol).increment();
    }

    /**
     * A ZUMO device's incremental pull moves its replica record: the pull's filter without its watermark is the query
     * id, the newest updatedAt it received the watermark. Runs after the answer, and never fails the request.
     */
    private void trackPull(TableRequest request, TableInfo table, Optional<ParsedFilters.Parsed> filter,
            RecordStore.Page page) {
        Optional<String> device = request.deviceId();
        if (device.isEmpty()) {
            return;
        }
        Uni<Void> tracking = Uni.createFrom().voidItem();
        Optional<Instant> watermark = filter.map(ParsedFilters.Parsed::expr).flatMap(WatermarkPaging::watermarkOf);
        if (watermark.isPresent() && table.persisted()) {
            Instant pulledTo = page.records().isEmpty()
                    ? watermark.get()
                    : page.records().get(page.records().size() - 1).updatedAt();
            String queryId = filter.get().queryId();
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
                    .chain(fresh -> query(request, fresh.orElse(table), false));
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

    private Optional<List<ResolvedColumn>> select(TableRequest request, TableInfo table) {
        return request.query()
                .first("$select")
                .filter(s -> !s.isBlank())
                .map(s -> resolveSelect(table, ODataParser.parseSelect(s, odataLimits)));
    }
}
