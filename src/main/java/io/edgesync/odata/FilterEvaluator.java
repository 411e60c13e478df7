package io.edgesync.odata;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;
import java.util.function.BinaryOperator;
import java.util.function.ToIntFunction;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.odata.Expr.BinaryOp;

/**
 * A {@code $filter} evaluated in memory against one row, with the answer that the {@link SqlTranslator}'s SQL gives on
 * PostgreSQL for the same row: a row matches only when the condition is TRUE, and UNKNOWN (SQL's NULL) is not TRUE.
 *
 * <p> The row is a JSON object from column name to value. A user column is read under its canonical name
 * ({@link ResolvedColumn#name()}) exactly as the translator reads the JSONB document: a missing key and JSON null are
 * null; a value of another JSON type than the one wanted reads as null, except that strings accept numbers and booleans
 * as their text ({@code es_text}); date-times are strings. A system column is read under its canonical name too
 * ({@code id}, {@code updatedAt}, ...), holding the value of the physical column (a date-time as an ISO-8601 string),
 * and is never null, as in the table.
 *
 * <p> What is matched and how: <ul> <li>Three-valued logic as in SQL: a comparison with null is UNKNOWN, {@code not}
 * UNKNOWN is UNKNOWN, {@code and} / {@code or} are Kleene's; {@code ne} is SQL's {@code <>} (UNKNOWN with a null
 * operand), and {@code in} is SQL's {@code IN}. {@code eq null} / {@code ne null} on a user column test for a missing
 * key or JSON null only, so a value of the wrong type is "not null" there even though it reads as null everywhere
 * else.</li> <li>Strings compare by Unicode code point, and {@code tolower}/{@code toupper} change ASCII letters only:
 * the semantics of PostgreSQL's "C" collation and character type, which the database must use (CloudNativePG's initdb
 * default). Under another database locale, string order and case mapping of non-ASCII letters could differ.</li>
 * <li>Numbers are exact decimals as PostgreSQL's {@code numeric}; {@code length} and {@code indexof} are integers as in
 * SQL. JSON numbers should be parsed exactly (Jackson's {@code USE_BIG_DECIMAL_FOR_FLOATS}); a double is read through
 * its shortest decimal text.</li> <li>Stored date-times are read when they are ISO-8601 with seconds, at most 6
 * fraction digits and {@code Z} or {@code ±hh:mm} (a text not starting with a date is null, as in SQL). A date-time
 * text that PostgreSQL might read some other way (no offset, a bare date, more digits) makes {@link #matches} throw
 * rather than guess.</li> </ul>
 *
 * <p> Refused (see {@link #check}): {@code div} (PostgreSQL rounds a numeric quotient to a scale taken from how the
 * operands were written, which a parsed row does not keep), {@code floor}/{@code ceiling}/{@code round} of an integer
 * (PostgreSQL computes them in floating point), comparisons of two columns of unknown type (PostgreSQL compares raw
 * JSONB), a string column or string expression read as a date-time, and string literals with the NUL character.
 *
 * <p> An instance is immutable and thread-safe.
 */
public final class FilterEvaluator {

    /** The longest string es_concat and es_replace build before failing the query (V106). */
    static final int MAX_BUILT_STRING = 1_048_576;
    private static final String FILTER = "$filter";
    private static final BigDecimal INT_MIN = BigDecimal.valueOf(Integer.MIN_VALUE);
    private static final BigDecimal INT_MAX = BigDecimal.valueOf(Integer.MAX_VALUE);
    private static final BigDecimal SUBSTR_MAX_START = BigDecimal.valueOf(2_147_483_646);
    /** numeric's bounds: digits after the point (NUMERIC_DSCALE_MAX) and before it. */
    private static final int NUMERIC_MAX_SCALE = 16_383;
    private static final int NUMERIC_MAX_INTEGER_DIGITS = 131_072;
    private static final Pattern DATE_PREFIX = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    private static final Pattern STORED_DATE_TIME = Pattern.compile(
            "(\\d{4})-(\\d{2})-(\\d{2})[T ](\\d{2}):(\\d{2}):(\\d{2})(?:\\.(\\d{1,6}))?(?:(Z)|([+-])(\\d{2}):(\\d{2}))");

    private final Node root;

    private FilterEvaluator(Node root) {
        this.root = root;
    }

    /**
     * An evaluator of {@code filter} over rows of the table that {@code columns} describes.
     *
     * @throws ODataException when the translator refuses the filter, or when it uses a construct this evaluator cannot
     *     evaluate exactly as PostgreSQL does (see {@link #check})
     */
    public static FilterEvaluator of(Expr filter, ColumnResolver columns) {
        new SqlTranslator(columns, new SqlParams()).where(filter);
        return new FilterEvaluator(new Compiler(columns).emit(filter, ExprType.BOOLEAN).node());
    }

    /**
     * Validates a filter for in-memory evaluation, e.g. an edge's scope at start-up.
     *
     * @throws ODataException naming the construct, when the translator refuses the filter (unknown member, type error)
     *     or when the evaluator does not support something in it
     */
    public static void check(Expr filter, ColumnResolver columns) {
        of(filter, columns);
    }

    /**
     * Whether the row matches: the filter is TRUE for it (neither FALSE nor UNKNOWN).
     *
     * @throws ODataException where the SQL would fail the query (a string built past the bound of es_concat or
     *     es_replace, an integer or numeric overflow), or when a stored date-time text is one that PostgreSQL might
     *     read differently from the evaluator
     */
    public boolean matches(ObjectNode row) {
        return matches(row::get);
    }

    /**
     * Whether the row whose columns {@code row} gives (null for a column it does not have) matches, as
     * {@link #matches(ObjectNode)}: for a caller that holds the columns in more than one place.
     */
    public boolean matches(Row row) {
        return Boolean.TRUE.equals(root.eval(row));
    }

    /** A row's columns, by name: the value, or null when the row does not have the column. */
    @FunctionalInterface
    public interface Row {
        JsonNode get(String column);
    }

    // ---- the compiled form

    /**
     * A compiled expression: its value for a row as a String, BigDecimal, Boolean or Instant, or null for SQL's NULL.
     */
    @FunctionalInterface
    private interface Node {
        Object eval(Row row);
    }

    /**
     * @param integer whether PostgreSQL computes the value as an integer (length, indexof and arithmetic of those)
     */
    private record Compiled(Node node, boolean integer) {
        static Compiled of(Node node) {
            return new Compiled(node, false);
        }

        static Compiled constant(Object value) {
            return new Compiled(row -> value, false);
        }
    }

    /** Mirrors the translator's emission, node for node. */
    private static final class Compiler {

        private final ColumnResolver columns;

        Compiler(ColumnResolver columns) {
            this.columns = columns;
        }

        private ExprType typeOf(Expr e) {
            return ExprType.of(e, name -> resolve(name).type());
        }

        private static ExprType unify(ExprType a, ExprType b) {
            ExprType common = ExprType.unify(a, b);
            if (common == null) {
                throw new ODataException("Type error in " + FILTER + ": cannot compare these operands");
            }
            return common;
        }

        Compiled emit(Expr e, ExprType want) {
            if (e instanceof Expr.Member m) {
                return Compiled.of(member(m, want));
            }
            if (e instanceof Expr.StringLiteral s) {
                if (s.value().indexOf('\u0000') >= 0) {
                    throw unsupported("a string literal with the NUL character",
                            "PostgreSQL text cannot hold it, so the query fails");
                }
                if (want == ExprType.DATETIME) {
                    return Compiled.constant(ODataLiterals.dateOrDateTime(s.value())
                            .orElseThrow(() -> new ODataException("Type error in " + FILTER + ": '"
                                    + ODataLexer.excerpt(s.value()) + "' is used as a date-time but is not one"))
                            .toInstant());
                }
                return Compiled.constant(s.value());
            }
            if (e instanceof Expr.NullLiteral) {
                throw new ODataException("Type error in " + FILTER + ": null can only be compared with 'eq' or 'ne'");
            }
            ExprType have = typeOf(e);
            if (have != want) {
                throw unsupported("a string expression compared with a date-time",
                        "PostgreSQL reads date-time text more leniently than the evaluator can");
            }
            if (e instanceof Expr.NumberLiteral n) {
                return Compiled.constant(numeric(n.value()));
            }
            if (e instanceof Expr.BooleanLiteral b) {
                return Compiled.constant(b.value());
            }
            if (e instanceof Expr.DateTimeLiteral d) {
                return Compiled.constant(d.value().toInstant());
            }
            if (e instanceof Expr.Unary u) {
                return unary(u);
            }
            if (e instanceof Expr.Call c) {
                return call(c);
            }
            if (e instanceof Expr.Binary b) {
                return binary(b);
            }
            if (e instanceof Expr.In in) {
                return in(in);
            }
            throw new IllegalStateException("unexpected expression " + e);
        }

        private Node member(Expr.Member m, ExprType want) {
            ResolvedColumn column = resolve(m.name());
            ExprType have = ExprType.of(column.type());
            String key = column.name();
            if (have == ExprType.STRING && want == ExprType.DATETIME) {
                throw unsupported("the string column '" + ODataLexer.excerpt(m.name()) + "' compared with a date-time",
                        "PostgreSQL reads date-time text more leniently than the evaluator can");
            }
            // a system column is read as its own type; a user column as the type wanted, like the es_* helpers
            ExprType read = column.isSystem() && have != ExprType.UNKNOWN ? have : want;
            if (read == ExprType.UNKNOWN) {
                throw unsupported("a comparison of two columns of unknown type ('" + ODataLexer.excerpt(m.name())
                        + "')", "PostgreSQL compares their raw JSON values");
            }
            return row -> read(row.get(key), read, key);
        }

        private Compiled unary(Expr.Unary u) {
            if (u.operator() == Expr.UnaryOp.NOT) {
                Node operand = emit(u.operand(), ExprType.BOOLEAN).node();
                return Compiled.of(row -> {
                    Boolean value = (Boolean) operand.eval(row);
                    return value == null ? null : !value;
                });
            }
            Compiled operand = emit(u.operand(), ExprType.NUMBER);
            return new Compiled(row -> {
                BigDecimal value = (BigDecimal) operand.node().eval(row);
                return value == null ? null : value.negate();
            }, operand.integer());
        }

        private Compiled binary(Expr.Binary b) {
            BinaryOp op = b.operator();
            if (op.isLogical()) {
                Node l = emit(b.left(), ExprType.BOOLEAN).node();
                Node r = emit(b.right(), ExprType.BOOLEAN).node();
                return Compiled.of(op == BinaryOp.AND ? row -> and(l, r, row) : row -> or(l, r, row));
            }
            if (op.isArithmetic()) {
                return arithmetic(b);
            }
            return comparison(b);
        }

        private static Boolean and(Node l, Node r, Row row) {
            Boolean a = (Boolean) l.eval(row);
            if (Boolean.FALSE.equals(a)) {
                return false;
            }
            Boolean c = (Boolean) r.eval(row);
            if (Boolean.FALSE.equals(c)) {
                return false;
            }
            return (a == null || c == null) ? null : Boolean.TRUE;
        }

        private static Boolean or(Node l, Node r, Row row) {
            Boolean a = (Boolean) l.eval(row);
            if (Boolean.TRUE.equals(a)) {
                return true;
            }
            Boolean c = (Boolean) r.eval(row);
            if (Boolean.TRUE.equals(c)) {
                return true;
            }
            return (a == null || c == null) ? null : Boolean.FALSE;
        }

        private Compiled arithmetic(Expr.Binary b) {
            BinaryOp op = b.operator();
            if (op == BinaryOp.DIV) {
                throw unsupported("'div'", "PostgreSQL rounds a numeric quotient to a scale taken from how the"
                        + " operands were written, which a parsed row does not keep");
            }
            Compiled l = emit(b.left(), ExprType.NUMBER);
            Compiled r = emit(b.right(), ExprType.NUMBER);
            boolean integer = l.integer() && r.integer();
            return new Compiled(row -> {
                BigDecimal a = (BigDecimal) l.node().eval(row);
                BigDecimal c = (BigDecimal) r.node().eval(row);
                if (a == null || c == null) {
                    return null;
                }
                BigDecimal result = switch (op) {
                    case ADD -> a.add(c);
                    case SUB -> a.subtract(c);
                    case MUL -> {
                        BigDecimal product = a.multiply(c);
                        // numeric_mul rounds a product with more fraction digits than numeric holds
                        yield product.scale() > NUMERIC_MAX_SCALE
                                ? product.setScale(NUMERIC_MAX_SCALE, RoundingMode.HALF_UP)
                                : product;
                    }
                    // MOD(x, NULLIF(y, 0)): null for a zero divisor; the sign of the dividend, as BigDecimal's
                    default -> c.signum() == 0 ? null : a.remainder(c);
                };
                if (result == null) {
                    return null;
                }
                if (integer && (result.compareTo(INT_MIN) < 0 || result.compareTo(INT_MAX) > 0)) {
                    throw new ODataException("The " + FILTER + " fails: integer out of range");
                }
                return checkedNumeric(result);
            }, integer);
        }

        private Compiled comparison(Expr.Binary b) {
            BinaryOp op = b.operator();
            ExprType lt = typeOf(b.left());
            ExprType rt = typeOf(b.right());
            if (lt == ExprType.NULL || rt == ExprType.NULL) {
                boolean isNull = op == BinaryOp.EQ;
                if (lt == ExprType.NULL && rt == ExprType.NULL) {
                    return Compiled.constant(isNull);
                }
                Node test = nullTest(lt == ExprType.NULL ? b.right() : b.left());
                return Compiled.of(isNull ? test : row -> !(Boolean) test.eval(row));
            }
            ExprType type = unify(lt, rt);
            Node l = emit(b.left(), type).node();
            Node r = emit(b.right(), type).node();
            return Compiled.of(row -> {
                Object a = l.eval(row);
                Object c = r.eval(row);
                if (a == null || c == null) {
                    return null;
                }
                int cmp = compare(a, c);
                return switch (op) {
                    case EQ -> cmp == 0;
                    case NE -> cmp != 0;
                    case GT -> cmp > 0;
                    case GE -> cmp >= 0;
                    case LT -> cmp < 0;
                    default -> cmp <= 0;
                };
            });
        }

        /** {@code e eq null}: two-valued, as SQL's IS NULL and the translator's JSONB test. */
        private Node nullTest(Expr e) {
            if (e instanceof Expr.Member m) {
                ResolvedColumn column = resolve(m.name());
                if (column.isSystem()) {
                    // a NOT NULL column of the table
                    return row -> false;
                }
                String key = column.name();
                return row -> {
                    JsonNode value = row.get(key);
                    return value == null || value.isNull();
                };
            }
            Node node = emit(e, typeOf(e)).node();
            return row -> node.eval(row) == null;
        }

        private Compiled in(Expr.In in) {
            ExprType type = typeOf(in.value());
            for (Expr item : in.items()) {
                type = unify(type, typeOf(item));
            }
            Node value = emit(in.value(), type).node();
            List<Object> items = new ArrayList<>();
            for (Expr item : in.items()) {
                items.add(emit(item, type).node().eval(null));
            }
            return Compiled.of(row -> {
                Object v = value.eval(row);
                if (v == null) {
                    return null;
                }
                for (Object item : items) {
                    if (compare(v, item) == 0) {
                        return true;
                    }
                }
                return false;
            });
        }

        private Compiled call(Expr.Call c) {
            List<Expr> a = c.arguments();
            return switch (c.function()) {
                case TOLOWER -> string1(a, FilterEvaluator::asciiLower);
                case TOUPPER -> string1(a, FilterEvaluator::asciiUpper);
                case TRIM -> string1(a, FilterEvaluator::trimSpaces);
                case LENGTH -> {
                    Node s = emit(a.get(0), ExprType.STRING).node();
                    yield new Compiled(row -> {
                        String v = (String) s.eval(row);
                        return v == null ? null : BigDecimal.valueOf(v.codePointCount(0, v.length()));
                    }, true);
                }
                case CONCAT -> string2(a, (l, r) -> {
                    if ((long) codePoints(l) + codePoints(r) > MAX_BUILT_STRING) {
                        throw tooLong();
                    }
                    return l + r;
                });
                case SUBSTRINGOF -> bool2(a.get(1), a.get(0), String::contains);
                case CONTAINS -> bool2(a.get(0), a.get(1), String::contains);
                case STARTSWITH -> bool2(a.get(0), a.get(1), String::startsWith);
                case ENDSWITH -> bool2(a.get(0), a.get(1), String::endsWith);
                case INDEXOF -> {
                    Node s = emit(a.get(0), ExprType.STRING).node();
                    Node t = emit(a.get(1), ExprType.STRING).node();
                    yield new Compiled(row -> {
                        String v = (String) s.eval(row);
                        String w = (String) t.eval(row);
                        if (v == null || w == null) {
                            return null;
                        }
                        int at = v.indexOf(w);
                        return BigDecimal.valueOf(at < 0 ? -1 : v.codePointCount(0, at));
                    }, true);
                }
                case REPLACE -> replace(a);
                case SUBSTRING -> substring(a);
                case YEAR -> datePart(a, LocalDateTime::getYear);
                case MONTH -> datePart(a, LocalDateTime::getMonthValue);
                case DAY -> datePart(a, LocalDateTime::getDayOfMonth);
                case HOUR -> datePart(a, LocalDateTime::getHour);
                case MINUTE -> datePart(a, LocalDateTime::getMinute);
                case SECOND -> datePart(a, LocalDateTime::getSecond);
                case FLOOR -> rounding(c, a, RoundingMode.FLOOR);
                case CEILING -> rounding(c, a, RoundingMode.CEILING);
                case ROUND -> rounding(c, a, RoundingMode.HALF_UP);
            };
        }

        private Compiled string1(List<Expr> a, UnaryOperator<String> f) {
            Node s = emit(a.get(0), ExprType.STRING).node();
            return Compiled.of(row -> {
                String v = (String) s.eval(row);
                return v == null ? null : f.apply(v);
            });
        }

        private Compiled string2(List<Expr> a, BinaryOperator<String> f) {
            Node l = emit(a.get(0), ExprType.STRING).node();
            Node r = emit(a.get(1), ExprType.STRING).node();
            return Compiled.of(row -> {
                String x = (String) l.eval(row);
                String y = (String) r.eval(row);
                return (x == null || y == null) ? null : f.apply(x, y);
            });
        }

        private Compiled bool2(Expr first, Expr second, BiPredicate<String, String> f) {
            Node l = emit(first, ExprType.STRING).node();
            Node r = emit(second, ExprType.STRING).node();
            return Compiled.of(row -> {
                String x = (String) l.eval(row);
                String y = (String) r.eval(row);
                return (x == null || y == null) ? null : f.test(x, y);
            });
        }

        private Compiled replace(List<Expr> a) {
            Node s = emit(a.get(0), ExprType.STRING).node();
            Node from = emit(a.get(1), ExprType.STRING).node();
            Node to = emit(a.get(2), ExprType.STRING).node();
            return Compiled.of(row -> {
                String v = (String) s.eval(row);
                String f = (String) from.eval(row);
                String t = (String) to.eval(row);
                if (v == null || f == null || t == null) {
                    return null;
                }
                if (f.isEmpty()) {
                    return v;
                }
                String result = v.replace(f, t);
                if (codePoints(t) > codePoints(f) && codePoints(result) > MAX_BUILT_STRING) {
                    throw tooLong();
                }
                return result;
            });
        }

        /**
         * {@code substr(s, (LEAST(GREATEST(start, 0), 2147483646) + 1)::integer, LEAST(GREATEST(length, 0),
         * 2147483647)::integer)}: GREATEST ignores a null, so a null index counts as 0, and the cast rounds half away
         * from zero.
         */
        private Compiled substring(List<Expr> a) {
            Node s = emit(a.get(0), ExprType.STRING).node();
            Node start = emit(a.get(1), ExprType.NUMBER).node();
            Node length = a.size() > 2 ? emit(a.get(2), ExprType.NUMBER).node() : null;
            return Compiled.of(row -> {
                String v = (String) s.eval(row);
                int from = clampedInteger((BigDecimal) start.eval(row), SUBSTR_MAX_START);
                Integer count = length == null ? null : clampedInteger((BigDecimal) length.eval(row), INT_MAX);
                if (v == null) {
                    return null;
                }
                int n = codePoints(v);
                if (from >= n) {
                    return "";
                }
                int begin = v.offsetByCodePoints(0, from);
                if (count == null || count >= n - from) {
                    return v.substring(begin);
                }
                return v.substring(begin, v.offsetByCodePoints(begin, count));
            });
        }

        private Compiled datePart(List<Expr> a, ToIntFunction<LocalDateTime> field) {
            Node t = emit(a.get(0), ExprType.DATETIME).node();
            return Compiled.of(row -> {
                Instant v = (Instant) t.eval(row);
                return v == null
                        ? null
                        : BigDecimal.valueOf(field.applyAsInt(LocalDateTime.ofInstant(v,
                                ZoneOffset.UTC)));
            });
        }

        private Compiled rounding(Expr.Call c, List<Expr> a, RoundingMode mode) {
            Compiled n = emit(a.get(0), ExprType.NUMBER);
            if (n.integer()) {
                throw unsupported("'" + c.function().odataName() + "' of an integer such as length or indexof",
                        "PostgreSQL computes it in floating point");
            }
            return Compiled.of(row -> {
                BigDecimal v = (BigDecimal) n.node().eval(row);
                return v == null ? null : v.setScale(0, mode);
            });
        }

        private ResolvedColumn resolve(String member) {
            return columns.resolve(member)
                    .orElseThrow(() -> new ODataException("Unknown member '" + ODataLexer.excerpt(member) + "' in "
                            + FILTER));
        }
    }

    // ---- values

    /** A JSON value read as {@code type}, as the es_* helpers read JSONB. */
    private static Object read(JsonNode value, ExprType type, String column) {
        if (value == null || value.isNull()) {
            return null;
        }
        return switch (type) {
            case STRING -> text(value);
            case NUMBER -> value.isNumber() ? number(value) : null;
            case BOOLEAN -> value.isBoolean() ? value.booleanValue() : null;
            case DATETIME -> timestamp(text(value), column);
            default -> throw new IllegalStateException("no reading as " + type);
        };
    }

    /** es_text: strings, numbers and booleans as text, anything else null. */
    private static String text(JsonNode value) {
        if (value.isTextual()) {
            return value.textValue();
        }
        if (value.isBoolean()) {
            return value.booleanValue() ? "true" : "false";
        }
        if (value.isNumber()) {
            BigDecimal n = number(value);
            return n == null ? null : n.toPlainString();
        }
        return null;
    }

    /** A JSON number as numeric: exact, never a negative scale; null for a non-finite double (not JSON). */
    private static BigDecimal number(JsonNode value) {
        if ((value.isDouble() || value.isFloat()) && !Double.isFinite(value.doubleValue())) {
            return null;
        }
        return numeric(value.isIntegralNumber() ? new BigDecimal(value.bigIntegerValue()) : value.decimalValue());
    }

    private static BigDecimal numeric(BigDecimal value) {
        return value.scale() < 0 ? value.setScale(0) : value;
    }

    private static BigDecimal checkedNumeric(BigDecimal value) {
        if (value.precision() - value.scale() > NUMERIC_MAX_INTEGER_DIGITS) {
            throw new ODataException("The " + FILTER + " fails: value overflows numeric format");
        }
        return value;
    }

    /**
     * es_ts: null unless the text starts with a date; the instant of an ISO-8601 date-time with an offset; null for an
     * impossible date; otherwise PostgreSQL's lenient reading is not reproduced and the evaluation fails.
     */
    private static Instant timestamp(String text, String column) {
        if (text == null || !DATE_PREFIX.matcher(text).lookingAt()) {
            return null;
        }
        Matcher m = STORED_DATE_TIME.matcher(text);
        if (!m.matches()) {
            throw undecidable(text, column);
        }
        int year = Integer.parseInt(m.group(1));
        LocalDate date;
        try {
            date = LocalDate.of(year, Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
        } catch (DateTimeException e) {
            // February 30 and the like: PostgreSQL's cast fails and es_ts answers NULL
            return null;
        }
        int hour = Integer.parseInt(m.group(4));
        int minute = Integer.parseInt(m.group(5));
        int second = Integer.parseInt(m.group(6));
        int offsetHours = m.group(10) == null ? 0 : Integer.parseInt(m.group(10));
        int offsetMinutes = m.group(11) == null ? 0 : Integer.parseInt(m.group(11));
        if (year == 0 || hour > 23 || minute > 59 || second > 59 || offsetHours > 14 || offsetMinutes > 59) {
            throw undecidable(text, column);
        }
        int nanos = m.group(7) == null ? 0 : Integer.parseInt((m.group(7) + "00000000").substring(0, 9));
        int sign = "-".equals(m.group(9)) ? -1 : 1;
        ZoneOffset offset = ZoneOffset.ofHoursMinutes(sign * offsetHours, sign * offsetMinutes);
        return date.atTime(hour, minute, second, nanos).toInstant(offset);
    }

    private static ODataException undecidable(String text, String column) {
        return new ODataException("Cannot evaluate the " + FILTER + " in memory: the value '"
                + ODataLexer.excerpt(text) + "' of '" + ODataLexer.excerpt(column)
                + "' is not an ISO-8601 date-time with seconds and an offset, and PostgreSQL may read it otherwise");
    }

    /** Both operands are of the same kind (the translator's type check guarantees it). */
    private static int compare(Object a, Object b) {
        if (a instanceof String x) {
            return compareCodePoints(x, (String) b);
        }
        if (a instanceof BigDecimal x) {
            return x.compareTo((BigDecimal) b);
        }
        if (a instanceof Boolean x) {
            return Boolean.compare(x, (Boolean) b);
        }
        return ((Instant) a).compareTo((Instant) b);
    }

    /** The "C" collation: byte order of UTF-8, which is code point order (not UTF-16 order). */
    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }

    private static int codePoints(String s) {
        return s.codePointCount(0, s.length());
    }

    /** The index cast of substring: null counts as 0, clamped to [0, max], rounded half away from zero. */
    private static int clampedInteger(BigDecimal value, BigDecimal max) {
        if (value == null || value.signum() < 0) {
            return 0;
        }
        return value.min(max).setScale(0, RoundingMode.HALF_UP).intValueExact();
    }

    /** lower() under LC_CTYPE "C": ASCII letters only. */
    static String asciiLower(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
        }
        return out.toString();
    }

    /** upper() under LC_CTYPE "C": ASCII letters only. */
    static String asciiUpper(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(c >= 'a' && c <= 'z' ? (char) (c - ('a' - 'A')) : c);
        }
        return out.toString();
    }

    /** btrim(s): spaces only, from both ends. */
    static String trimSpaces(String s) {
        int begin = 0;
        int end = s.length();
        while (begin < end && s.charAt(begin) == ' ') {
            begin++;
        }
        while (end > begin && s.charAt(end - 1) == ' ') {
            end--;
        }
        return s.substring(begin, end);
    }

    private static ODataException tooLong() {
        return new ODataException("The " + FILTER + " fails: a string built by the query would be longer than "
                + MAX_BUILT_STRING + " characters");
    }

    private static ODataException unsupported(String construct, String why) {
        return new ODataException("Not supported in a " + FILTER + " evaluated in memory: " + construct + " (" + why
                + ")");
    }
}
