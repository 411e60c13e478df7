package io.edgesync.bench.jmh;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import io.edgesync.odata.ColumnResolver;
import io.edgesync.odata.Expr;
import io.edgesync.odata.ODataLimits;
import io.edgesync.odata.ODataParser;
import io.edgesync.odata.OrderBy;
import io.edgesync.odata.SqlParams;
import io.edgesync.odata.SqlTranslator;
import io.edgesync.odata.SqlTranslatorTest;

/**
 * The per-request query work of a ZUMO pull: parsing {@code $filter} and {@code $orderby} and translating them into
 * parameterised SQL, for the queries real clients send (docs/protocol.md 4.1) and one deliberately busy query.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ODataBenchmark {

    /** The todoitem table of the conformance cases, plus one column of every type. */
    private static final ColumnResolver RESOLVER = SqlTranslatorTest.RESOLVER;

    /** Query shapes: {@code $filter} and {@code $orderby} as clients send them. */
    private static final Map<String, String[]> QUERIES = Map.of(
            "jsPull", new String[] {"(updatedAt ge datetimeoffset'2024-05-01T10:00:00.000Z')", "updatedAt"},
            "dotnetPull", new String[] {"(updatedAt ge cast(2024-05-01T10:00:00.000Z,Edm.DateTimeOffset))",
                    "updatedAt"},
            "appFilter", new String[] {"((complete eq false) and (updatedAt gt datetimeoffset'2024-05-01T10:00:00.000Z'))",
                    "updatedAt"},
            "complex", new String[] {
                    "(substringof('milk', tolower(text)) or startswith(text, 'Buy')) and price ge 2.5"
                            + " and year(dueDate) eq 2024 and not deleted and id in ('a', 'b', 'c', 'd')",
                    "price desc,dueDate,text"});

    @Param({"jsPull", "dotnetPull", "appFilter", "complex"})
    public String filter;

    private final ODataLimits limits = ODataLimits.defaults();
    private String filterText;
    private String orderByText;
    private Expr parsed;
    private List<OrderBy> parsedOrder;

    @Setup
    public void setUp() {
        String[] query = QUERIES.get(filter);
        filterText = query[0];
        orderByText = query[1];
        parsed = ODataParser.parseFilter(filterText, limits);
        parsedOrder = ODataParser.parseOrderBy(orderByText, limits);
    }

    /** Parsing only: lexer and recursive-descent parser with their limits. */
    @Benchmark
    public Object parse() {
        return ODataParser.parseFilter(filterText, limits);
    }

    /** Translation only: typing and SQL generation of an already parsed query. */
    @Benchmark
    public Object translate() {
        SqlTranslator translator = new SqlTranslator(RESOLVER, new SqlParams());
        return translator.where(parsed) + translator.orderBy(parsedOrder);
    }

    /** Both, as one request pays them. */
    @Benchmark
    public Object parseAndTranslate() {
        SqlParams params = new SqlParams();
        SqlTranslator translator = new SqlTranslator(RESOLVER, params);
        String where = translator.where(ODataParser.parseFilter(filterText, limits));
        String order = translator.orderBy(ODataParser.parseOrderBy(orderByText, limits));
        return where.length() + order.length() + params.size();
    }
}
