package io.edgesync.odata;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed {@code $filter} expression. Literals are already typed and normalised (date-times are UTC instants at
 * millisecond precision; guids and times of day are strings), so the translator never looks at literal syntax again.
 */
public sealed interface Expr {

    /** A string literal, also the value of {@code guid'...'}, {@code cast(..., Edm.Guid)} and times of day. */
    record StringLiteral(String value) implements Expr {
        public StringLiteral {
            Objects.requireNonNull(value, "value");
        }
    }

    /**
     * A numeric literal of any OData numeric type ({@code 1}, {@code 1L}, {@code 1.5f}, {@code 1.5M}, {@code 1E10}).
     */
    record NumberLiteral(BigDecimal value) implements Expr {
        public NumberLiteral {
            Objects.requireNonNull(value, "value");
        }
    }

    record BooleanLiteral(boolean value) implements Expr {
    }

    record NullLiteral() implements Expr {
    }

    /** A date-time literal as an instant, normalised to UTC and truncated (never rounded) to milliseconds. */
    record DateTimeLiteral(OffsetDateTime value) implements Expr {
        public DateTimeLiteral {
            value = value.withOffsetSameInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.MILLIS);
        }
    }

    /** A member (column) reference by the name the client wrote. */
    record Member(String name) implements Expr {
        public Member {
            Objects.requireNonNull(name, "name");
        }
    }

    record Unary(UnaryOp operator, Expr operand) implements Expr {
        public Unary {
            Objects.requireNonNull(operator, "operator");
            Objects.requireNonNull(operand, "operand");
        }
    }

    record Binary(BinaryOp operator, Expr left, Expr right) implements Expr {
        public Binary {
            Objects.requireNonNull(operator, "operator");
            Objects.requireNonNull(left, "left");
            Objects.requireNonNull(right, "right");
        }
    }

    /** A call of a built-in function; the argument count always fits the function's arity. */
    record Call(Function function, List<Expr> arguments) implements Expr {
        public Call {
            Objects.requireNonNull(function, "function");
            arguments = List.copyOf(arguments);
            if (!function.accepts(arguments.size())) {
                throw new IllegalArgumentException(function.odataName() + " takes " + function.arityText()
                        + ", not " + arguments.size());
            }
        }
    }

    /** {@code value in (item, ...)}; the items are literals other than null. */
    record In(Expr value, List<Expr> items) implements Expr {
        public In {
            Objects.requireNonNull(value, "value");
            items = List.copyOf(items);
            if (items.isEmpty()) {
                throw new IllegalArgumentException("an in list needs at least one item");
            }
        }
    }

    enum UnaryOp {
        NOT, NEGATE
    }

    enum BinaryOp {
        AND("and"), OR("or"), EQ("eq"), NE("ne"), GT("gt"), GE("ge"), LT("lt"), LE("le"), ADD("add"), SUB("sub"), MUL(
                "mul"), DIV("div"), MOD("mod");

        private final String keyword;

        BinaryOp(String keyword) {
            this.keyword = keyword;
        }

        /** The OData keyword, e.g. {@code ge}. */
        public String keyword() {
            return keyword;
        }

        public boolean isLogical() {
            return this == AND || this == OR;
        }

        public boolean isComparison() {
            return switch (this) {
                case EQ, NE, GT, GE, LT, LE -> true;
                default -> false;
            };
        }

        public boolean isArithmetic() {
            return switch (this) {
                case ADD, SUB, MUL, DIV, MOD -> true;
                default -> false;
            };
        }

        public static Optional<BinaryOp> byKeyword(String keyword) {
            return Arrays.stream(values()).filter(op -> op.keyword.equals(keyword)).findFirst();
        }
    }

    /** The built-in functions of the supported OData subset, with their arity and result type. */
    enum Function {
        TOLOWER("tolower", 1, 1, ValueType.STRING), TOUPPER("toupper", 1, 1, ValueType.STRING), TRIM("trim", 1, 1,
                ValueType.STRING), LENGTH("length", 1, 1, ValueType.NUMBER), CONCAT("concat", 2, 2,
                        ValueType.STRING), SUBSTRINGOF("substringof", 2, 2, ValueType.BOOLEAN), CONTAINS("contains",
                                2, 2, ValueType.BOOLEAN), STARTSWITH("startswith", 2, 2, ValueType.BOOLEAN), ENDSWITH(
                                        "endswith", 2, 2,
                                        ValueType.BOOLEAN), INDEXOF("indexof", 2, 2, ValueType.NUMBER), REPLACE(
                                                "replace", 3, 3, ValueType.STRING), SUBSTRING("substring", 2, 3,
                                                        ValueType.STRING), YEAR("year", 1, 1,
                                                                ValueType.NUMBER), MONTH("month", 1, 1,
                                                                        ValueType.NUMBER), DAY("day", 1, 1,
                                                                                ValueType.NUMBER), HOUR("hour", 1, 1,
                                                                                        ValueType.NUMBER), MINUTE(
                                                                                                "minute", 1, 1,
                                                                                                ValueType.NUMBER), SECOND(
                                                                                                        "second", 1, 1,
                                                                                                        ValueType.NUMBER), FLOOR(
                                                                                                                "floor",
                                                                                                                1, 1,
                                                                                                                ValueType.NUMBER), CEILING(
                                                                                                                        "ceiling",
                                                                                                                        1,
                                                                                                                        1,
                                                                                                                        ValueType.NUMBER), ROUND(
                                                                                                                                "round",
                                                                                                                                1,
                                                                                                                                1,
                                                                                                                                ValueType.NUMBER);

        private final String odataName;
        private final int minArity;
        private final int maxArity;
        private final ValueType resultType;

        Function(String odataName, int minArity, int maxArity, ValueType resultType) {
            this.odataName = odataName;
            this.minArity = minArity;
            this.maxArity = maxArity;
            this.resultType = resultType;
        }

        /** The name as written in a query; function names are lower case only. */
        public String odataName() {
            return odataName;
        }

        public ValueType resultType() {
            return resultType;
        }

        public boolean accepts(int argumentCount) {
            return argumentCount >= minArity && argumentCount <= maxArity;
        }

        /** The arity in words, for error messages: "1 argument", "2 or 3 arguments". */
        public String arityText() {
            if (minArity == maxArity) {
                return minArity + (minArity == 1 ? " argument" : " arguments");
            }
            return minArity + " or " + maxArity + " arguments";
        }

        public static Optional<Function> byName(String name) {
            return Arrays.stream(values()).filter(f -> f.odataName.equals(name)).findFirst();
        }
    }
}
