package io.edgesync.odata;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.edgesync.odata.Expr.BinaryOp;

/**
 * Translates parsed OData into PostgreSQL over {@code sync_record r}. The SQL text is built only from fixed keywords,
 * operators, helper function names, the trusted {@link ResolvedColumn#systemSql()} of system columns and {@code $n}
 * placeholders; every literal and every user column name is a bind value in {@link SqlParams}. Each placeholder carries
 * an explicit cast so that PostgreSQL never has to guess its type.
 *
 * <p> User columns live in the JSONB document {@code r.data} and are read through the {@code es_*} helpers of the V2
 * migration, which answer NULL instead of failing on a value of another type: a query never fails because one device
 * stored a string where others stored numbers. A column whose type is still unknown takes the type of what it is
 * compared with.
 *
 * <p> One instance translates the clauses of one statement and may be used for both {@link #where} and
 * {@link #orderBy}; it is not thread-safe.
 */
public final class SqlTranslator {

    private static final String FILTER = "$filter";
    private static final String ORDER_BY = "$orderby";
    /** NODE's anti-abuse rule for the replacement argument of replace(). */
    private static final int MAX_REPLACEMENT_LENGTH = 100;

    /** The type of an SQL expression as far as translation cares. */

    private final ColumnResolver columns;
    private final SqlParams params;
    /** Placeholders of user column names already bound, so that a column used twice costs one parameter. */
    private final Map<String, String> columnKeys = new HashMap<>();

    public SqlTranslator(ColumnResolver columns, SqlParams params) {
        this.columns = columns;
        this.params = params;
    }

    /**
     * The SQL boolean condition for a {@code $filter}, in parentheses.
     *
     * @throws ODataException for an unknown member or an expression that has no meaningful translation
     */
    public String where(Expr filter) {
        String sql = emit(filter, ExprType.BOOLEAN, "the whole expression");
        return isParenthesised(sql) ? sql : "(" + sql + ")";
    }

    /**
     * The SQL ORDER BY items for a {@code $orderby}, without a tie-breaker (the caller appends {@code r.id}); empty for
     * an empty list. System columns are NOT NULL and sort without a NULLS clause, so that an index on them can serve
     * the order; user columns sort nulls as the smallest values.
     *
     * @throws ODataException for an unknown member
     */
    public String orderBy(List<OrderBy> orderBy) {
        List<String> items = new ArrayList<>();
        for (OrderBy item : orderBy) {
            ResolvedColumn column = resolve(item.member(), ORDER_BY);
            if (column.isSystem()) {
                items.add(column.systemSql().orElseThrow() + (item.descending() ? " DESC" : " ASC"));
            } else {
                items.add(typed(raw(column), ExprType.of(column.type()))
                        + (item.descending() ? " DESC NULLS LAST" : " ASC NULLS FIRST"));
            }
        }
        return String.join(", ", items);
    }

    // ---- typing

    /** The natural type of an expression ({@link ExprType#of(Expr, java.util.function.Function)}). */
    private ExprType typeOf(Expr e) {
        return ExprType.of(e, name -> resolve(name, FILTER).type());
    }

    private static boolean convertible(ExprType have, ExprType want) {
        return have == want || (have == ExprType.STRING && want == ExprType.DATETIME);
    }

    // ---- emission

    /**
     * SQL for {@code e} read as {@code want}.
     *
     * @param role what {@code e} is to its parent, for error messages ("the arguments of 'tolower'")
     */
    private String emit(Expr e, ExprType want, String role) {
        if (e instanceof Expr.Member m) {
            return member(m, want, role);
        }
        if (e instanceof Expr.StringLiteral s) {
            if (want == ExprType.STRING) {
                return param(s.value(), "text");
            }
            if (want == ExprType.DATETIME) {
                return param(ODataLiterals.dateOrDateTime(s.value())
                        .orElseThrow(() -> new ODataException("Type error in " + FILTER + ": '"
                                + ODataLexer.excerpt(s.value()) + "' is used as a date-time but is not one"
                                + " (expected " + ODataLiterals.DATE_TIME_FORMAT_HINT + ")")),
                        "timestamptz");
            }
            throw typeError(role, want, ExprType.STRING);
        }
        if (e instanceof Expr.NullLiteral) {
            throw new ODataException("Type error in " + FILTER + ": null can only be compared with 'eq' or 'ne'");
        }
        ExprType have = typeOf(e);
        if (!convertible(have, want)) {
            throw typeError(role, want, have);
        }
        String sql;
        if (e instanceof Expr.NumberLiteral n) {
            sql = param(n.value(), "numeric");
        } else if (e instanceof Expr.BooleanLiteral b) {
            sql = param(b.value(), "boolean");
        } else if (e instanceof Expr.DateTimeLiteral d) {
            sql = param(d.value(), "timestamptz");
        } else if (e instanceof Expr.Unary u) {
            sql = unary(u);
        } else if (e instanceof Expr.Call c) {
            sql = call(c);
        } else {
            sql = chain(e);
        }
        return have == want ? sql : "es_ts(" + sql + ")";
    }

    /**
     * Binary operators associate to the left, so {@code a or b or c ...} is a left-deep tree as tall as the query is
     * long. It is walked down its left spine and built bottom-up in a loop: recursion stays within the parser's depth
     * limit whatever the length of the query.
     */
    private String chain(Expr top) {
        Deque<Expr> spine = new ArrayDeque<>();
        Expr node = top;
        while (node instanceof Expr.Binary || node instanceof Expr.In) {
            spine.push(node);
            node = node instanceof Expr.Binary b ? b.left() : ((Expr.In) node).value();
        }
        String sql = null;
        while (!spine.isEmpty()) {
            Expr next = spine.pop();
            sql = next instanceof Expr.Binary b ? binary(b, sql) : in((Expr.In) next, sql);
        }
        return sql;
    }

    /**
     * The left operand of a chain link: emitted now, or, when it is the link below in the chain, its SQL already
     * emitted in its natural type.
     */
    private String left(Expr e, String emitted, ExprType want, String role) {
        if (emitted == null) {
            return emit(e, want, role);
        }
        ExprType have = typeOf(e);
        if (!convertible(have, want)) {
            throw typeError(role, want, have);
        }
        return have == want ? emitted : "es_ts(" + emitted + ")";
    }

    private String binary(Expr.Binary b, String leftSql) {
        BinaryOp op = b.operator();
        String role = "the operands of '" + op.keyword() + "'";
        if (op.isLogical()) {
            String l = left(b.left(), leftSql, ExprType.BOOLEAN, role);
            String r = emit(b.right(), ExprType.BOOLEAN, role);
            return "(" + l + (op == BinaryOp.AND ? " AND " : " OR ") + r + ")";
        }
        if (op.isArithmetic()) {
            String l = left(b.left(), leftSql, ExprType.NUMBER, role);
            String r = emit(b.right(), ExprType.NUMBER, role);
            return switch (op) {
                case ADD -> "(" + l + " + " + r + ")";
                case SUB -> "(" + l + " - " + r + ")";
                case MUL -> "(" + l + " * " + r + ")";
                // A zero divisor gives NULL (no row matches) instead of failing the whole query.
                case DIV -> "(" + l + " / NULLIF(" + r + ", 0))";
                default -> "MOD(" + l + ", NULLIF(" + r + ", 0))";
            };
        }
        return comparison(b, leftSql, role);
    }

    private String comparison(Expr.Binary b, String leftSql, String role) {
        BinaryOp op = b.operator();
        ExprType lt = typeOf(b.left());
        ExprType rt = typeOf(b.right());
        if (lt == ExprType.NULL || rt == ExprType.NULL) {
            if (op != BinaryOp.EQ && op != BinaryOp.NE) {
                throw new ODataException(
                        "Type error in " + FILTER + ": null can only be compared with 'eq' or 'ne', not '"
                                + op.keyword() + "'");
            }
            boolean isNull = op == BinaryOp.EQ;
            if (lt == ExprType.NULL && rt == ExprType.NULL) {
                return isNull ? "(NULL IS NULL)" : "(NULL IS NOT NULL)";
            }
            return lt == ExprType.NULL ? nullTest(b.right(), null, isNull) : nullTest(b.left(), leftSql, isNull);
        }
        ExprType type = ExprType.unify(lt, rt);
        if (type == null) {
            throw new ODataException("Type error in " + FILTER + ": cannot compare " + lt.description + " with "
                    + rt.description + " using '" + op.keyword() + "'");
        }
        String l = left(b.left(), leftSql, type, role);
        String r = emit(b.right(), type, role);
        String sqlOp = switch (op) {
            case EQ -> "=";
            case NE -> "<>";
            case GT -> ">";
            case GE -> ">=";
            case LT -> "<";
            default -> "<=";
        };
        return "(" + l + " " + sqlOp + " " + r + ")";
    }

    /**
     * {@code x eq null}. For a user column, a missing key and a JSON null both count as null, whatever the column's
     * type.
     */
    private String nullTest(Expr e, String emitted, boolean isNull) {
        if (emitted == null && e instanceof Expr.Member m) {
            ResolvedColumn column = resolve(m.name(), FILTER);
            if (!column.isSystem()) {
                return "(COALESCE(jsonb_typeof(" + raw(column) + "), 'null') " + (isNull ? "=" : "<>") + " 'null')";
            }
        }
        String sql = emitted != null ? emitted : emit(e, typeOf(e), "the operand of a null comparison");
        return "(" + sql + (isNull ? " IS NULL)" : " IS NOT NULL)");
    }

    private String in(Expr.In in, String valueSql) {
        ExprType type = typeOf(in.value());
        for (Expr item : in.items()) {
            ExprType itemType = typeOf(item);
            if (itemType == ExprType.NULL) {
                throw new ODataException("Type error in " + FILTER
                        + ": null is not allowed in an 'in' list; use 'eq null' instead");
            }
            ExprType common = ExprType.unify(type, itemType);
            if (common == null) {
                throw new ODataException(
                        "Type error in " + FILTER + ": cannot compare " + type.description + " with "
                                + itemType.description + " using 'in'");
            }
            type = common;
        }
        String role = "the items of 'in'";
        String value = left(in.value(), valueSql, type, role);
        List<String> items = new ArrayList<>();
        for (Expr item : in.items()) {
            items.add(emit(item, type, role));
        }
        return "(" + value + " IN (" + String.join(", ", items) + "))";
    }

    private String unary(Expr.Unary u) {
        if (u.operator() == Expr.UnaryOp.NOT) {
            return "(NOT " + emit(u.operand(), ExprType.BOOLEAN, "the operand of 'not'") + ")";
        }
        return "(- " + emit(u.operand(), ExprType.NUMBER, "the operand of '-'") + ")";
    }

    private String call(Expr.Call c) {
        List<Expr> a = c.arguments();
        String role = "the arguments of '" + c.function().odataName() + "'";
        return switch (c.function()) {
            case TOLOWER -> "lower(" + emit(a.get(0), ExprType.STRING, role) + ")";
            case TOUPPER -> "upper(" + emit(a.get(0), ExprType.STRING, role) + ")";
            case TRIM -> "btrim(" + emit(a.get(0), ExprType.STRING, role) + ")";
            case LENGTH -> "char_length(" + emit(a.get(0), ExprType.STRING, role) + ")";
            // es_concat and es_replace refuse to build strings past a bound (a few kilobytes of nested calls would
            // otherwise build gigabytes); see the migration that creates them.
            case CONCAT ->
                "es_concat(" + emit(a.get(0), ExprType.STRING, role) + ", " + emit(a.get(1), ExprType.STRING, role)
                        + ")";
            case SUBSTRINGOF -> {
                // substringof(a, b) is "b contains a"
                String needle = emit(a.get(0), ExprType.STRING, role);
                String haystack = emit(a.get(1), ExprType.STRING, role);
                yield "(strpos(" + haystack + ", " + needle + ") > 0)";
            }
            case CONTAINS ->
                "(strpos(" + emit(a.get(0), ExprType.STRING, role) + ", " + emit(a.get(1), ExprType.STRING, role)
                        + ") > 0)";
            case STARTSWITH -> "starts_with(" + emit(a.get(0), ExprType.STRING, role) + ", "
                    + emit(a.get(1), ExprType.STRING, role) + ")";
            case ENDSWITH -> {
                String s = emit(a.get(0), ExprType.STRING, role);
                // No string function takes a boolean, so the suffix cannot contain another endswith: repeating its
                // SQL cannot grow the statement exponentially.
                String suffix = emit(a.get(1), ExprType.STRING, role);
                yield "(right(" + s + ", char_length(" + suffix + ")) = " + suffix + ")";
            }
            case INDEXOF ->
                "(strpos(" + emit(a.get(0), ExprType.STRING, role) + ", " + emit(a.get(1), ExprType.STRING, role)
                        + ") - 1)";
            case REPLACE -> {
                if (!(a.get(2) instanceof Expr.StringLiteral replacement)
                        || replacement.value().length() > MAX_REPLACEMENT_LENGTH) {
                    throw new ODataException("The third argument of 'replace' in " + FILTER
                            + " must be a string literal of at most " + MAX_REPLACEMENT_LENGTH + " characters");
                }
                yield "es_replace(" + emit(a.get(0), ExprType.STRING, role) + ", "
                        + emit(a.get(1), ExprType.STRING, role)
                        + ", " + emit(replacement, ExprType.STRING, role) + ")";
            }
            case SUBSTRING -> substring(a, role);
            case YEAR -> datePart("YEAR", a.get(0), role);
            case MONTH -> datePart("MONTH", a.get(0), role);
            case DAY -> datePart("DAY", a.get(0), role);
            case HOUR -> datePart("HOUR", a.get(0), role);
            case MINUTE -> datePart("MINUTE", a.get(0), role);
            case SECOND -> "FLOOR(EXTRACT(SECOND FROM (" + emit(a.get(0), ExprType.DATETIME, role)
                    + " AT TIME ZONE 'UTC')))::numeric";
            case FLOOR -> "floor(" + emit(a.get(0), ExprType.NUMBER, role) + ")";
            case CEILING -> "ceil(" + emit(a.get(0), ExprType.NUMBER, role) + ")";
            case ROUND -> "round(" + emit(a.get(0), ExprType.NUMBER, role) + ")";
        };
    }

    /**
     * Zero-based OData indexes on one-based {@code substr}. substr takes integers, so the numeric arguments are clamped
     * into the integer range before the cast (a huge index would otherwise fail the query), a negative start counts as
     * 0 and a negative length as 0 (substr rejects negative lengths).
     */
    private String substring(List<Expr> a, String role) {
        String s = emit(a.get(0), ExprType.STRING, role);
        String start = "(LEAST(GREATEST(" + emit(a.get(1), ExprType.NUMBER, role) + ", 0), 2147483646) + 1)::integer";
        if (a.size() == 2) {
            return "substr(" + s + ", " + start + ")";
        }
        String length = "LEAST(GREATEST(" + emit(a.get(2), ExprType.NUMBER, role) + ", 0), 2147483647)::integer";
        return "substr(" + s + ", " + start + ", " + length + ")";
    }

    private String datePart(String field, Expr e, String role) {
        return "EXTRACT(" + field + " FROM (" + emit(e, ExprType.DATETIME, role) + " AT TIME ZONE 'UTC'))::numeric";
    }

    private String member(Expr.Member m, ExprType want, String role) {
        ResolvedColumn column = resolve(m.name(), FILTER);
        ExprType have = ExprType.of(column.type());
        if (column.isSystem()) {
            String sql = column.systemSql().orElseThrow();
            if (have == want || have == ExprType.UNKNOWN || want == ExprType.UNKNOWN) {
                return sql;
            }
            if (have == ExprType.STRING && want == ExprType.DATETIME) {
                return "es_ts(" + sql + ")";
            }
            throw memberTypeError(role, want, m.name(), have);
        }
        if (have == ExprType.UNKNOWN || convertible(have, want)) {
            return typed(raw(column), want);
        }
        throw memberTypeError(role, want, m.name(), have);
    }

    /** A user column's raw JSONB value read as {@code type}. */
    private static String typed(String raw, ExprType type) {
        return switch (type) {
            case STRING -> "es_text(" + raw + ")";
            case NUMBER -> "es_num(" + raw + ")";
            case BOOLEAN -> "es_bool(" + raw + ")";
            case DATETIME -> "es_ts(es_text(" + raw + "))";
            default -> raw;
        };
    }

    private String raw(ResolvedColumn column) {
        String key = columnKeys.computeIfAbsent(column.name(), params::add);
        return "(r.data -> " + key + "::text)";
    }

    private String param(Object value, String sqlType) {
        return params.add(value) + "::" + sqlType;
    }

    private ResolvedColumn resolve(String member, String option) {
        return columns.resolve(member)
                .orElseThrow(() -> new ODataException("Unknown member '" + ODataLexer.excerpt(member) + "' in "
                        + option));
    }

    private static ODataException typeError(String role, ExprType want, ExprType have) {
        return new ODataException(
                "Type error in " + FILTER + ": " + role + " must be " + want.description + ", found "
                        + have.description);
    }

    private static ODataException memberTypeError(String role, ExprType want, String member, ExprType have) {
        return new ODataException("Type error in " + FILTER + ": " + role + " must be " + want.description
                + ", found '" + ODataLexer.excerpt(member) + "' (" + have.description + ")");
    }

    /** Whether the first '(' of {@code sql} closes at its very end (the text has no parentheses in quotes). */
    private static boolean isParenthesised(String sql) {
        if (!sql.startsWith("(") || !sql.endsWith(")")) {
            return false;
        }
        int depth = 0;
        for (int i = 0; i < sql.length(); i++) {
            char c = sql.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
                if (depth == 0 && i < sql.length() - 1) {
                    return false;
                }
            }
        }
        return true;
    }
}
