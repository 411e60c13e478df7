package io.edgesync.protocol.zumo;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import io.edgesync.cache.RecordStore;
import io.edgesync.cache.RowScope;
import io.edgesync.cache.StoredRecord;
import io.edgesync.cache.VisibilityHorizon;
import io.edgesync.odata.Expr;

/**
 * The pulls of an up-to-date client, answered from the visibility horizon without the database: the table's newest
 * visible change is known ({@link VisibilityHorizon.Visible#latest()}), and no visible row has a later
 * {@code updatedAt} (stamps are unique and increase with every change, ADR 0003). So:
 *
 * <ul> <li>a page after the watermark W ({@code updatedAt gt W}, the Datasync client's pull, or the JS client's
 * {@code $skip} request, which {@link WatermarkPaging} reads as "after W") is empty when the newest change is at or
 * before W, whatever else the filter says; <li>a page from W ({@code updatedAt ge W} and nothing else, the JS client's
 * first request) holds at most the row at W, which is then the newest change. </ul>
 *
 * The answer is the one the database would give at the same horizon.
 */
final class UpToDatePulls {

    private UpToDatePulls() {
    }

    /**
     * The page, when the horizon alone answers it.
     *
     * @param filter the client's filter
     * @param pageFilter the filter the page reads (the client's, or its watermark-paging rewrite)
     * @param scope whose rows the caller sees
     */
    static Optional<RecordStore.Page> answer(VisibilityHorizon.Visible visible, Optional<Expr> filter,
            Optional<Expr> pageFilter, RowScope scope, boolean includeDeleted, int limit) {
        Optional<Instant> newest = visible.latest().map(StoredRecord::updatedAt);
        Optional<Instant> after = pageFilter.flatMap(WatermarkPaging::strictWatermarkOf);
        if (after.isPresent()) {
            return newest.isEmpty() || !newest.get().isAfter(after.get())
                    ? Optional.of(new RecordStore.Page(List.of(), false))
                    : Optional.empty();
        }
        Optional<Instant> from = pageFilter.equals(filter)
                ? filter.flatMap(WatermarkPaging::onlyAtLeastOf)
                : Optional.empty();
        if (from.isEmpty() || newest.isEmpty() || newest.get().isAfter(from.get()) || limit < 1) {
            return Optional.empty();
        }
        StoredRecord latest = visible.latest().get();
        boolean matches = newest.get().equals(from.get())
                && (includeDeleted || !latest.deleted())
                && scope.includes(latest.owner());
        return Optional.of(new RecordStore.Page(matches ? List.of(latest) : List.of(), false));
    }

    /** Whether an answered page's count is zero too: the client's own filter asks only for rows after a watermark. */
    static boolean countIsZero(Optional<Expr> filter) {
        return filter.flatMap(WatermarkPaging::strictWatermarkOf).isPresent();
    }
}
