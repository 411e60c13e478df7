package io.edgesync.odata;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.edgesync.odata.Expr.BinaryOp;
import io.edgesync.odata.Expr.Function;
import io.edgesync.odata.ODataLexer.Kind;
import io.edgesync.odata.ODataLexer.Token;

/**
 * Recursive-descent parser for the OData subset Azure Mobile Apps and Datasync clients send (docs/protocol.md 4.2).
 * Precedence, loosest first: {@code or}, {@code and}, comparisons and {@code in}, {@code add sub}, {@code mul div mod},
 * unary {@code -} and {@code not}. Binary operators associate to the left and are parsed by loops, so only parentheses,
 * function calls and unary operators nest, and {@link ODataLimits#maxDepth()} bounds the recursion.
 */
public final class ODataParser {

    private static final String FILTER = "$filter";
    private static final String ORDER_BY = "$orderby";
    private static final String SELECT = "$select";

    private final List<Token> tokens;
    private final String option;
    private final ODataLimits limits;
    private int index;
    private int depth;

    private ODataParser(String text, String option, ODataLimits limits) {
        this.option = option;
        this.limits = limits;
        this.tokens = new ODataLexer(text, option).tokenize();
    }

    /** Parses a {@code $filter} value into an expression tree. */
    public static Expr parseFilter(String text, ODataLimits limits) {
        ODataParser parser = new ODataParser(checkLength(text, FILTER, limits), FILTER, limits);
        Expr filter = parser.parseOr();
        parser.expectEnd("an operator");
        return filter;
    }

    /** Parses a {@code $orderby} value: comma-separated {@code member [asc|desc]}. */
    public static List<OrderBy> parseOrderBy(String text, ODataLimits limits) {
        ODataParser parser = new ODataParser(checkLength(text, ORDER_BY, limits), ORDER_BY, limits);
        List<OrderBy> items = new ArrayList<>();
        do {
            String member = parser.memberName();
            boolean descending = false;
            Token next = parser.peek();
            if (next.is(Kind.IDENTIFIER) && (next.text().equals("asc") || next.text().equals("desc"))) {
                descending = next.text().equals("desc");
                parser.advance();
            }
            items.add(new OrderBy(member, descending));
        } while (parser.acceptComma());
        parser.expectEnd("'asc', 'desc', ','");
        return List.copyOf(items);
    }

    /** Parses a {@code $select} value: comma-separated member names. */
    public static List<String> parseSelect(String text, ODataLimits limits) {
        ODataParser parser = new ODataParser(checkLength(text, SELECT, limits), SELECT, limits);
        List<String> members = new ArrayList<>();
        do {
            members.add(parser.memberName());
        } while (parser.acceptComma());
        parser.expectEnd("','");
        return List.copyOf(members);
    }

    private static String checkLength(String text, String option, ODataLimits limits) {
        if (text == null || text.isBlank()) {
            throw new ODataException(option + " is empty");
        }
        if (text.length() > limits.maxLength()) {
            throw new ODataException(
                    option + " is too long: " + text.length() + " characters, the limit (maxLength) is "
                            + limits.maxLength());
        }
        return text;
    }

    // ---- $filter grammar

    private Expr parseOr() {
        Expr left = parseAnd();
        while (peek().isKeyword("or")) {
            advance();
            left = new Expr.Binary(BinaryOp.OR, left, parseAnd());
        }
        return left;
    }

    private Expr parseAnd() {
        Expr left = parseComparison();
        while (peek().isKeyword("and")) {
            advance();
            left = new Expr.Binary(BinaryOp.AND, left, parseComparison());
        }
        return left;
    }

    private Expr parseComparison() {
        Expr left = parseAdditive();
        while (true) {
            Token token = peek();
            if (token.isKeyword("in")) {
                advance();
                left = new Expr.In(left, parseInList());
                continue;
            }
            Optional<BinaryOp> op = binaryOperator(token).filter(BinaryOp::isComparison);
            if (op.isEmpty()) {
                return left;
            }
            advance();
            left = new Expr.Binary(op.get(), left, parseAdditive());
        }
    }

    private Expr parseAdditive() {
        Expr left = parseMultiplicative();
        while (true) {
            Optional<BinaryOp> op = binaryOperator(peek()).filter(o -> o == BinaryOp.ADD || o == BinaryOp.SUB);
            if (op.isEmpty()) {
                return left;
            }
            advance();
            left = new Expr.Binary(op.get(), left, parseMultiplicative());
        }
    }

    private Expr parseMultiplicative() {
        Expr left = parseUnary();
        while (true) {
            Optional<BinaryOp> op = binaryOperator(peek())
                    .filter(o -> o == BinaryOp.MUL || o == BinaryOp.DIV || o == BinaryOp.MOD);
            if (op.isEmpty()) {
                return left;
            }
            advance();
            left = new Expr.Binary(op.get(), left, parseUnary());
        }
    }

    private Expr parseUnary() {
        Token token = peek();
        if (token.is(Kind.MINUS)) {
            advance();
            enter(token);
            Expr operand = parseUnary();
            exit();
            // Fold "-5" into a literal: in-lists and cast() accept literals only.
            if (operand instanceof Expr.NumberLiteral number) {
                return new Expr.NumberLiteral(number.value().negate());
            }
            return new Expr.Unary(Expr.UnaryOp.NEGATE, operand);
        }
        if (token.isKeyword("not")) {
            advance();
            enter(token);
            Expr operand = parseUnary();
            exit();
            return new Expr.Unary(Expr.UnaryOp.NOT, operand);
        }
        return parsePrimary();
    }

    private Expr parsePrimary() {
        Token token = peek();
        switch (token.kind()) {
            case LPAREN -> {
                advance();
                enter(token);
                Expr inner = parseOr();
                expect(Kind.RPAREN, "')' or an operator");
                exit();
                return inner;
            }
            case IDENTIFIER -> {
                advance();
                if (peek().is(Kind.LPAREN)) {
                    return parseCall(token);
                }
                return new Expr.Member(checkMember(token));
            }
            default -> {
                Optional<Expr> literal = literal(token);
                if (literal.isEmpty()) {
                    throw syntaxError(token, "expected a value, found " + token.describe());
                }
                advance();
                return literal.get();
            }
        }
    }

    private Expr parseCall(Token name) {
        if (name.text().equals("cast")) {
            return parseCast();
        }
        Function function = Function.byName(name.text())
                .orElseThrow(() -> new ODataException("Unknown function '" + ODataLexer.excerpt(name.text())
                        + "' in " + option));
        Token open = peek();
        advance();
        enter(open);
        List<Expr> arguments = new ArrayList<>();
        if (!peek().is(Kind.RPAREN)) {
            do {
                arguments.add(parseOr());
            } while (acceptComma());
        }
        expect(Kind.RPAREN, "',' or ')'");
        exit();
        if (!function.accepts(arguments.size())) {
            throw syntaxError(name, "function '" + function.odataName() + "' takes " + function.arityText()
                    + ", found " + arguments.size());
        }
        return new Expr.Call(function, arguments);
    }

    /** {@code cast(<literal>, Edm.X)}: OData v4 clients write typed constants this way. */
    private Expr parseCast() {
        Token open = peek();
        advance();
        enter(open);
        Token value = peek();
        if (!isCastable(value)) {
            throw syntaxError(value, "cast() supports only a literal as its first argument, found "
                    + value.describe());
        }
        advance();
        expect(Kind.COMMA, "','");
        Token type = peek();
        if (!type.is(Kind.IDENTIFIER) && !type.is(Kind.STRING)) {
            throw syntaxError(type, "expected a type name such as Edm.DateTimeOffset, found " + type.describe());
        }
        advance();
        expect(Kind.RPAREN, "')'");
        exit();
        return switch (type.text()) {
            case "Edm.DateTimeOffset", "Edm.DateTime" -> new Expr.DateTimeLiteral(castDate(value,
                    ODataLiterals.dateTime(value.text()).or(() -> ODataLiterals.date(value.text())), "a date-time"));
            case "Edm.Date" -> new Expr.DateTimeLiteral(castDate(value,
                    ODataLiterals.dateOrDateTime(value.text()), "a date"));
            case "Edm.Guid" -> {
                if (value.is(Kind.QUOTED_DATE_TIME) || !ODataLiterals.isGuid(value.text())) {
                    throw syntaxError(value, "cast(..., Edm.Guid) needs a guid such as "
                            + "01234567-89ab-cdef-0123-456789abcdef");
                }
                yield new Expr.StringLiteral(value.text());
            }
            case "Edm.TimeOfDay" -> {
                if (!(value.is(Kind.BARE_TIME) || value.is(Kind.STRING)) || !ODataLiterals.isTimeOfDay(value.text())) {
                    throw syntaxError(value, "cast(..., Edm.TimeOfDay) needs a time of day such as 10:30:00");
                }
                yield new Expr.StringLiteral(value.text());
            }
            default -> throw syntaxError(type, "unsupported cast target '" + ODataLexer.excerpt(type.text())
                    + "' (supported: Edm.DateTimeOffset, Edm.Date, Edm.Guid, Edm.TimeOfDay)");
        };
    }

    private static boolean isCastable(Token token) {
        return switch (token.kind()) {
            case STRING, QUOTED_DATE_TIME, QUOTED_GUID, BARE_DATE_TIME, BARE_DATE, BARE_GUID, BARE_TIME -> true;
            default -> false;
        };
    }

    private OffsetDateTime castDate(Token value, Optional<OffsetDateTime> parsed, String what) {
        if (value.is(Kind.QUOTED_GUID) || value.is(Kind.BARE_GUID) || value.is(Kind.BARE_TIME) || parsed.isEmpty()) {
            throw syntaxError(value, "'" + ODataLexer.excerpt(value.text()) + "' is not " + what + " (expected "
                    + ODataLiterals.DATE_TIME_FORMAT_HINT + ")");
        }
        return parsed.get();
    }

    private List<Expr> parseInList() {
        expect(Kind.LPAREN, "'(' after 'in'");
        if (peek().is(Kind.RPAREN)) {
            throw syntaxError(peek(), "an 'in' list needs at least one item");
        }
        List<Expr> items = new ArrayList<>();
        do {
            Token token = peek();
            if (items.size() == limits.maxInListSize()) {
                throw syntaxError(token, "an 'in' list may have at most " + limits.maxInListSize()
                        + " items (maxInListSize)");
            }
            items.add(inListItem());
        } while (acceptComma());
        expect(Kind.RPAREN, "',' or ')'");
        return items;
    }

    private Expr inListItem() {
        Token token = peek();
        if (token.is(Kind.MINUS) && peekAt(1).is(Kind.NUMBER)) {
            advance();
            Expr.NumberLiteral number = (Expr.NumberLiteral) literal(peek()).orElseThrow();
            advance();
            return new Expr.NumberLiteral(number.value().negate());
        }
        if (token.is(Kind.IDENTIFIER) && token.text().equals("cast") && peekAt(1).is(Kind.LPAREN)) {
            advance();
            return parseCast();
        }
        if (token.isKeyword("null")) {
            throw syntaxError(token, "null is not allowed in an 'in' list; use 'eq null' instead");
        }
        Optional<Expr> literal = literal(token);
        if (literal.isEmpty()) {
            throw syntaxError(token, "an 'in' list may contain only literals, found " + token.describe());
        }
        advance();
        return literal.get();
    }

    /** The literal a single token stands for, if it is one. */
    private Optional<Expr> literal(Token token) {
        return switch (token.kind()) {
            case STRING -> Optional.of(new Expr.StringLiteral(token.text()));
            case NUMBER -> {
                ODataLiterals.NumberResult number = ODataLiterals.number(token.text());
                if (number.error() != null) {
                    throw syntaxError(token, number.error());
                }
                yield Optional.of(new Expr.NumberLiteral(number.value()));
            }
            case QUOTED_DATE_TIME, BARE_DATE_TIME -> Optional.of(new Expr.DateTimeLiteral(ODataLiterals
                    .dateTime(token.text())
                    .orElseThrow(() -> syntaxError(token, "'" + ODataLexer.excerpt(token.text())
                            + "' is not a valid date-time (expected " + ODataLiterals.DATE_TIME_FORMAT_HINT + ")"))));
            case BARE_DATE -> Optional.of(new Expr.DateTimeLiteral(ODataLiterals.date(token.text())
                    .orElseThrow(() -> syntaxError(token, "'" + token.text()
                            + "' is not a valid date (expected yyyy-MM-dd)"))));
            case QUOTED_GUID -> {
                if (!ODataLiterals.isGuid(token.text())) {
                    throw syntaxError(token, "'" + ODataLexer.excerpt(token.text())
                            + "' is not a valid guid (expected 01234567-89ab-cdef-0123-456789abcdef)");
                }
                yield Optional.of(new Expr.StringLiteral(token.text()));
            }
            case BARE_GUID -> Optional.of(new Expr.StringLiteral(token.text()));
            case BARE_TIME -> {
                if (!ODataLiterals.isTimeOfDay(token.text())) {
                    throw syntaxError(token, "'" + token.text() + "' is not a valid time of day (expected HH:mm:ss)");
                }
                yield Optional.of(new Expr.StringLiteral(token.text()));
            }
            case KEYWORD -> switch (token.text()) {
                case "true" -> Optional.of(new Expr.BooleanLiteral(true));
                case "false" -> Optional.of(new Expr.BooleanLiteral(false));
                case "null" -> Optional.of(new Expr.NullLiteral());
                default -> Optional.empty();
            };
            default -> Optional.empty();
        };
    }

    private String checkMember(Token token) {
        if (peek().is(Kind.SLASH)) {
            throw syntaxError(token, "member paths such as '" + ODataLexer.excerpt(token.text())
                    + "/...' are not supported: members are plain column names");
        }
        if (token.text().indexOf('.') >= 0) {
            throw syntaxError(token, "'" + ODataLexer.excerpt(token.text()) + "' is not a valid member name");
        }
        return token.text();
    }

    // ---- $orderby and $select

    private String memberName() {
        Token token = peek();
        if (token.is(Kind.COMMA) || token.is(Kind.END)) {
            throw syntaxError(token, "empty entry: expected a member name");
        }
        if (token.is(Kind.STAR)) {
            throw syntaxError(token, "'*' is not supported; leave " + option + " out to get every member");
        }
        // Keywords of $filter are ordinary names here: a column may be called "in" or "desc".
        if (!token.is(Kind.IDENTIFIER) && !token.is(Kind.KEYWORD)) {
            throw syntaxError(token, "expected a member name, found " + token.describe());
        }
        advance();
        if (peek().is(Kind.LPAREN)) {
            throw syntaxError(token, "only member names are supported in " + option + ", not function calls");
        }
        return checkMember(token);
    }

    // ---- token helpers

    private Token peek() {
        return tokens.get(index);
    }

    private Token peekAt(int ahead) {
        return tokens.get(Math.min(index + ahead, tokens.size() - 1));
    }

    private void advance() {
        if (index < tokens.size() - 1) {
            index++;
        }
    }

    private boolean acceptComma() {
        if (peek().is(Kind.COMMA)) {
            advance();
            return true;
        }
        return false;
    }

    private void expect(Kind kind, String expected) {
        Token token = peek();
        if (!token.is(kind)) {
            throw syntaxError(token, "expected " + expected + ", found " + token.describe());
        }
        advance();
    }

    private void expectEnd(String expected) {
        Token token = peek();
        if (token.is(Kind.END)) {
            return;
        }
        if (token.is(Kind.RPAREN)) {
            throw syntaxError(token, "')' without a matching '('");
        }
        throw syntaxError(token, "expected " + expected + " or the end of " + option + ", found "
                + token.describe());
    }

    private static Optional<BinaryOp> binaryOperator(Token token) {
        return token.is(Kind.KEYWORD) ? BinaryOp.byKeyword(token.text()) : Optional.empty();
    }

    private void enter(Token token) {
        depth++;
        if (depth > limits.maxDepth()) {
            throw syntaxError(token, option + " is nested too deeply: at most " + limits.maxDepth()
                    + " levels of parentheses, function calls and unary operators are allowed (maxDepth)");
        }
    }

    private void exit() {
        depth--;
    }

    private ODataException syntaxError(Token token, String message) {
        return new ODataException("Syntax error in " + option + " at position " + token.position() + ": " + message);
    }
}
