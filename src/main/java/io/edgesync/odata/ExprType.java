package io.edgesync.odata;

import java.util.function.Function;

/**
 * The type a {@code $filter} expression is read as, the same for its SQL translation and for its evaluation in memory:
 * the natural type of each node, and the common type of two compared operands.
 */
enum ExprType {
    STRING("a string"), NUMBER("a number"), BOOLEAN("a boolean"), DATETIME("a date-time"), NULL("null"), UNKNOWN(
            "a column of unknown type");

    /** How an error message names the type. */
    final String description;

    ExprType(String description) {
        this.description = description;
    }

    static ExprType of(ValueType type) {
        return switch (type) {
            case STRING -> STRING;
            case NUMBER -> NUMBER;
            case BOOLEAN -> BOOLEAN;
            case DATETIME -> DATETIME;
            case UNKNOWN -> UNKNOWN;
        };
    }

    /**
     * The natural type of an expression; shallow, so it costs O(1) at every node.
     *
     * @param members the type of a member (column) by the name the filter wrote
     */
    static ExprType of(Expr e, Function<String, ValueType> members) {
        if (e instanceof Expr.StringLiteral) {
            return STRING;
        }
        if (e instanceof Expr.NumberLiteral) {
            return NUMBER;
        }
        if (e instanceof Expr.BooleanLiteral) {
            return BOOLEAN;
        }
        if (e instanceof Expr.DateTimeLiteral) {
            return DATETIME;
        }
        if (e instanceof Expr.NullLiteral) {
            return NULL;
        }
        if (e instanceof Expr.Member m) {
            return of(members.apply(m.name()));
        }
        if (e instanceof Expr.Unary u) {
            return u.operator() == Expr.UnaryOp.NOT ? BOOLEAN : NUMBER;
        }
        if (e instanceof Expr.Binary b) {
            return b.operator().isArithmetic() ? NUMBER : BOOLEAN;
        }
        if (e instanceof Expr.Call c) {
            return of(c.function().resultType());
        }
        return BOOLEAN;
    }

    /** The common type two compared operands are read as, or null when they cannot be compared. */
    static ExprType unify(ExprType a, ExprType b) {
        if (a == b) {
            return a;
        }
        if (a == UNKNOWN) {
            return b;
        }
        if (b == UNKNOWN) {
            return a;
        }
        if ((a == STRING && b == DATETIME) || (a == DATETIME && b == STRING)) {
            // date-times stored or written as strings
            return DATETIME;
        }
        return null;
    }
}
