package io.edgesync.protocol.zumo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.edgesync.cache.RecordStore;
import io.edgesync.cache.StoredRecord;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.odata.OrderBy;

/**
 * The page a query asks for ({@code $top}, {@code $skip}, the count, against the protocol's page size) and the query of
 * the page after it: v2's {@code Link} and v3's {@code nextLink} (docs/protocol.md 4).
 *
 * @param limit the rows the page holds at most
 * @param skip the client's {@code $skip}
 * @param top the client's {@code $top}
 * @param serverLimited whether the page size, not the client's {@code $top}, ends the page
 * @param withCount whether the client asked for the total count ({@code $inlinecount=allpages}, {@code $count=true})
 */
record TablePaging(int limit, long skip, Optional<Long> top, boolean serverLimited, boolean withCount) {

    /** The page of a query request; 400 for a {@code $skip} or a v3 {@code $top} beyond the limits. */
    static TablePaging of(TableRequest request, EdgeSyncConfig.Protocol protocol, long maxSkip) {
        int pageSize = request.isV2() ? protocol.v2().pageSize() : protocol.v3().pageSize();
        Optional<Long> top = request.nonNegative("$top");
        long skip = request.nonNegative("$skip").orElse(0L);
        if (skip > maxSkip) {
            throw new TableProtocolException(request.version(), 400, "$skip may be at most " + maxSkip
                    + "; page with a filter on updatedAt instead");
        }
        if (!request.isV2() && top.isPresent() && top.get() > protocol.v3().maxTop()) {
            throw new TableProtocolException(request.version(), 400,
                    "You cannot request more than " + protocol.v3().maxTop() + " records");
        }
        int limit = (int) Math.min(top.orElse(Long.MAX_VALUE), pageSize);
        boolean serverLimited = top.isEmpty() || top.get() > pageSize;
        boolean withCount = request.isV2()
                ? request.query().first("$inlinecount").map("allpages"::equals).orElse(false)
                : request.query().first("$count").map("true"::equalsIgnoreCase).orElse(false);
        return new TablePaging(limit, skip, top, serverLimited, withCount);
    }

    /** The query string of the next page, when the page size cut this one short and more rows follow. */
    Optional<String> nextQuery(TableRequest request, RecordStore.Page page, List<OrderBy> orderBy) {
        if (!serverLimited || !page.hasMore()) {
            return Optional.empty();
        }
        int returned = page.records().size();
        Map<String, String> paging = new LinkedHashMap<>();
        paging.put("$skip", Long.toString(skip + returned));
        top.ifPresent(t -> paging.put("$top", Long.toString(t - returned)));
        if (!request.isV2() && KeysetNextLink.applies(orderBy)) {
            // Datasync clients follow nextLink through a whole pull: continue after the last row's stamp instead of
            // counting rows, so updates during the pull cannot shift a row out of the pages.
            StoredRecord last = page.records().get(returned - 1);
            paging.put("$skip", null);
            paging.put("$filter", KeysetNextLink.filterAfter(request.query().first("$filter"), last.updatedAt()));
        }
        return Optional.of(request.query().with(paging));
    }
}
