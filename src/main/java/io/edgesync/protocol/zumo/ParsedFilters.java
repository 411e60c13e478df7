package io.edgesync.protocol.zumo;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.edgesync.odata.Expr;
import io.edgesync.odata.ODataLimits;
import io.edgesync.odata.ODataParser;

/**
 * The {@code $filter} options of recent queries, parsed once. Devices that are up to date send the same filter again
 * and again (their watermark is the table's newest change), and parsing it would cost more than answering them from the
 * visibility horizon. Bounded: when full, it starts afresh. A filter that does not parse is not kept.
 */
final class ParsedFilters {

    /** A filter's expression and, for a pull, the query id its replica record is kept under. */
    record Parsed(Expr expr, String queryId) {
    }

    private static final int MAX_ENTRIES = 512;

    private final ODataLimits limits;
    private final Map<String, Parsed> recent = new ConcurrentHashMap<>();

    ParsedFilters(ODataLimits limits) {
        this.limits = limits;
    }

    /** The parsed filter; an invalid one throws {@link io.edgesync.odata.ODataException} as the parser does. */
    Parsed parse(String text) {
        Parsed parsed = recent.get(text);
        if (parsed != null) {
            return parsed;
        }
        parsed = new Parsed(ODataParser.parseFilter(text, limits), PullQueries.queryId(text));
        if (recent.size() >= MAX_ENTRIES) {
            recent.clear();
        }
        recent.put(text, parsed);
        return parsed;
    }

    /** Filters kept; for tests. */
    int size() {
        return recent.size();
    }
}
