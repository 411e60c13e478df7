package io.edgesync.protocol.zumo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.edgesync.cache.TableInfo;
import io.edgesync.odata.Expr;
import io.edgesync.odata.Expr.BinaryOp;
import io.edgesync.odata.OrderBy;

/**
 * Makes the JS and .NET clients' watermark pulls safe against a race in their own loop (docs/protocol.md 6.5, 6.6).
 *
 * <p> A caught-up client reads {@code updatedAt ge W} and gets only the row at W; it then asks again with
 * {@code $skip=1} to step over that row. If meanwhile another row X is written and the row at W is updated (moving
 * behind X), plain OData paging skips X instead, and the client moves its watermark past X forever. Stamps are unique
 * per table (ADR 0003), so the rows a client skips on such a query can only be the one row at exactly W: the gateway
 * reads {@code $skip=k} on {@code updatedAt ge W} ordered by {@code updatedAt} as "the row at W, then k - 1 more", i.e.
 * {@code updatedAt gt W} with {@code $skip=k-1}. Without concurrent updates the answer is identical.
 */
final class WatermarkPaging {

    private WatermarkPaging() {
    }

    /** A query rewritten for watermark paging. */
    record Rewritten(Expr filter, long skip) {
    }

    static Optional<Rewritten> rewrite(Optional<Expr> filter, List<OrderBy> orderBy, long skip) {
        if (skip <= 0 || filter.isEmpty() || orderBy.isEmpty()) {
            return Optional.empty();
        }
        OrderBy first = orderBy.get(0);
        if (first.descending() || !first.member().equalsIgnoreCase(TableInfo.UPDATED_AT)) {
            return Optional.empty();
        }
        List<Expr> conjuncts = new ArrayList<>();
        flattenAnd(filter.get(), conjuncts);
        int watermarks = 0;
        int index = -1;
        for (int i = 0; i < conjuncts.size(); i++) {
            if (isUpdatedAtAtLeast(conjuncts.get(i))) {
                watermarks++;
                index = i;
            }
        }
        if (watermarks != 1) {
            return Optional.empty();
        }
        Expr.Binary ge = (Expr.Binary) conjuncts.get(index);
        Expr strict = ge.operator() == BinaryOp.GE
                ? new Expr.Binary(BinaryOp.GT, ge.left(), ge.right())
                : new Expr.Binary(BinaryOp.LT, ge.left(), ge.right());
        conjuncts.set(index, strict);
        Expr rewritten = conjuncts.get(0);
        for (int i = 1; i < conjuncts.size(); i++) {
            rewritten = new Expr.Binary(BinaryOp.AND, rewritten, conjuncts.get(i));
        }
        return Optional.of(new Rewritten(rewritten, skip - 1));
    }

    /**
     * Whether a query is a pull: ordered by {@code updatedAt} ascending first, or from a watermark. Clients derive the
     * next watermark from what a pull returns, so it must read only settled changes (ADR 0003).
     */
    static boolean isPull(Optional<Expr> filter, List<OrderBy> orderBy) {
        if (!orderBy.isEmpty() && !orderBy.get(0).descending()
                && orderBy.get(0).member().equalsIgnoreCase(TableInfo.UPDATED_AT)) {
            return true;
        }
        return filter.flatMap(WatermarkPaging::watermarkOf).isPresent();
    }

    /** The watermark of an incremental pull: the date of its top-level {@code updatedAt ge/gt <date>} condition. */
    static Optional<Instant> watermarkOf(Expr filter) {
        List<Expr> conjuncts = new ArrayList<>();
        flattenAnd(filter, conjuncts);
        for (Expr conjunct : conjuncts) {
            if (conjunct instanceof Expr.Binary binary && isUpdatedAt(binary.left())
                    && binary.right() instanceof Expr.DateTimeLiteral date
                    && (binary.operator() == BinaryOp.GE || binary.operator() == BinaryOp.GT)) {
                return Optional.of(date.value().toInstant());
            }
        }
        return Optional.empty();
    }

    /** The date of a top-level {@code updatedAt gt <date>} condition: rows after it, and nothing at it. */
    static Optional<Instant> strictWatermarkOf(Expr filter) {
        List<Expr> conjuncts = new ArrayList<>();
        flattenAnd(filter, conjuncts);
        for (Expr conjunct : conjuncts) {
            if (conjunct instanceof Expr.Binary binary && binary.operator() == BinaryOp.GT && isUpdatedAt(binary.left())
                    && binary.right() instanceof Expr.DateTimeLiteral date) {
                return Optional.of(date.value().toInstant());
            }
        }
        return Optional.empty();
    }

    /**
     * The date of a filter that is exactly {@code updatedAt ge <date>} (the JS client's pull without a user filter).
     */
    static Optional<Instant> onlyAtLeastOf(Expr filter) {
        if (filter instanceof Expr.Binary binary && binary.operator() == BinaryOp.GE && isUpdatedAt(binary.left())
                && binary.right() instanceof Expr.DateTimeLiteral date) {
            return Optional.of(date.value().toInstant());
        }
        return Optional.empty();
    }

    private static void flattenAnd(Expr expr, List<Expr> conjuncts) {
        if (expr instanceof Expr.Binary binary && binary.operator() == BinaryOp.AND) {
            flattenAnd(binary.left(), conjuncts);
            flattenAnd(binary.right(), conjuncts);
        } else {
            conjuncts.add(expr);
        }
    }

    /** {@code updatedAt ge <date>} or {@code <date> le updatedAt}. */
    private static boolean isUpdatedAtAtLeast(Expr expr) {
        if (!(expr instanceof Expr.Binary binary)) {
            return false;
        }
        if (binary.operator() == BinaryOp.GE) {
            return isUpdatedAt(binary.left()) && binary.right() instanceof Expr.DateTimeLiteral;
        }
        if (binary.operator() == BinaryOp.LE) {
            return binary.left() instanceof Expr.DateTimeLiteral && isUpdatedAt(binary.right());
        }
        return false;
    }

    private static boolean isUpdatedAt(Expr expr) {
        return expr instanceof Expr.Member member && member.name().equalsIgnoreCase(TableInfo.UPDATED_AT);
    }
}
