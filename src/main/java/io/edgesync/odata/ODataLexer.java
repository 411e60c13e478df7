package io.edgesync.odata;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a query option value into tokens. The value is expected percent-decoded, but a {@code +} outside a quoted
 * literal is taken as a space, because some stacks hand the gateway the raw query string, where {@code +} means space.
 */
final class ODataLexer {

    /** The longest member name: NODE's SQL identifier rule. */
    static final int MAX_MEMBER_LENGTH = 128;

    static final Set<String> KEYWORDS = Set.of("and", "or", "not", "eq", "ne", "gt", "ge", "lt", "le", "add", "sub",
            "mul", "div", "mod", "in", "true", "false", "null");

    private static final Set<String> QUOTED_LITERAL_TYPES = Set.of("datetime", "datetimeoffset", "guid");
    /** Typed literals of OData v3 that no sync client sends, named in the error instead of a puzzling one. */
    private static final Set<String> UNSUPPORTED_LITERAL_TYPES = Set.of("binary", "X", "duration", "time", "date",
            "geography", "geometry");

    private static final Pattern BARE_GUID = Pattern
            .compile("[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}");
    // The offset sign may also be a space: a '+' decoded as a space by a form decoder (see ODataLiterals).
    private static final Pattern BARE_DATE_TIME = Pattern
            .compile("\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d+)?)?(?:Z|[+\\- ]\\d{2}:\\d{2})?)?");
    private static final Pattern BARE_TIME = Pattern.compile("\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d+)?)?");
    private static final Pattern NUMBER = Pattern.compile("\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?[LlFfMmDd]?");

    /**
     * Token kinds. A {@code QUOTED_DATE_TIME} ({@code datetime'...'} or {@code datetimeoffset'...'}) or
     * {@code QUOTED_GUID} token's text is the quoted content; {@code BARE_*} tokens are OData v4 literals written
     * without quotes.
     */
    enum Kind {
        LPAREN, RPAREN, COMMA, SLASH, MINUS, STAR, IDENTIFIER, KEYWORD, STRING, NUMBER, QUOTED_DATE_TIME, QUOTED_GUID, BARE_DATE_TIME, BARE_DATE, BARE_GUID, BARE_TIME, END
    }

    /**
     * A token.
     *
     * @param text the token's value: a string literal's content with {@code ''} unescaped, otherwise the source text
     * @param position the 1-based position of the token's first character
     */
    record Token(Kind kind, String text, int position) {

        boolean is(Kind k) {
            return kind == k;
        }

        boolean isKeyword(String keyword) {
            return kind == Kind.KEYWORD && text.equals(keyword);
        }

        /** How an error message names this token. */
        String describe() {
            return switch (kind) {
                case END -> "the end of the expression";
                case STRING -> "a string literal";
                case QUOTED_DATE_TIME, BARE_DATE_TIME, BARE_DATE -> "a date literal";
                case QUOTED_GUID, BARE_GUID -> "a guid literal";
                case BARE_TIME -> "a time literal";
                default -> "'" + excerpt(text) + "'";
            };
        }
    }

    private final String text;
    private final String option;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;

    /**
     * @param text the query option value
     * @param option the query option's name ({@code $filter}, ...) for error messages
     */
    ODataLexer(String text, String option) {
        this.text = text;
        this.option = option;
    }

    List<Token> tokenize() {
        while (true) {
            skipWhitespace();
            if (pos >= text.length()) {
                tokens.add(new Token(Kind.END, "", pos + 1));
                return tokens;
            }
            char c = text.charAt(pos);
            int start = pos;
            switch (c) {
                case '(' -> single(Kind.LPAREN);
                case ')' -> single(Kind.RPAREN);
                case ',' -> single(Kind.COMMA);
                case '/' -> single(Kind.SLASH);
                case '-' -> single(Kind.MINUS);
                case '*' -> single(Kind.STAR);
                case '\'' -> tokens.add(new Token(Kind.STRING, quoted(), start + 1));
                default -> {
                    if (!lexBareLiteral() && !lexNumber()) {
                        if (isIdentifierStart(c)) {
                            lexIdentifierOrPrefixedLiteral();
                        } else {
                            throw error(start, "unexpected character " + describeChar(c));
                        }
                    }
                }
            }
        }
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '+') {
                return;
            }
            pos++;
        }
    }

    private void single(Kind kind) {
        tokens.add(new Token(kind, String.valueOf(text.charAt(pos)), pos + 1));
        pos++;
    }

    /** Reads a single-quoted literal starting at {@code pos}, with {@code ''} standing for one quote. */
    private String quoted() {
        int start = pos;
        pos++;
        StringBuilder value = new StringBuilder();
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '\'') {
                if (pos + 1 < text.length() && text.charAt(pos + 1) == '\'') {
                    value.append('\'');
                    pos += 2;
                    continue;
                }
                pos++;
                return value.toString();
            }
            if (c == '\u0000') {
                // PostgreSQL text cannot hold NUL: reject here instead of failing in the database.
                throw error(pos, "string literals must not contain the character U+0000");
            }
            value.append(c);
            pos++;
        }
        throw error(start, "unterminated string literal (a quote inside a literal is written '')");
    }

    /** Guids, dates, date-times and times of day written without quotes (OData v4). */
    private boolean lexBareLiteral() {
        char c = text.charAt(pos);
        if (!isHexDigit(c)) {
            return false;
        }
        if (lookingAt(BARE_GUID, Kind.BARE_GUID)) {
            return true;
        }
        if (!isDigit(c)) {
            return false;
        }
        Matcher dateTime = BARE_DATE_TIME.matcher(text).region(pos, text.length());
        if (dateTime.lookingAt()) {
            Kind kind = dateTime.group(1) == null ? Kind.BARE_DATE : Kind.BARE_DATE_TIME;
            accept(dateTime.end(), kind, "date");
            return true;
        }
        return lookingAt(BARE_TIME, Kind.BARE_TIME);
    }

    private boolean lookingAt(Pattern pattern, Kind kind) {
        Matcher m = pattern.matcher(text).region(pos, text.length());
        if (!m.lookingAt()) {
            return false;
        }
        accept(m.end(), kind, kind == Kind.BARE_GUID ? "guid" : "time");
        return true;
    }

    private boolean lexNumber() {
        Matcher m = NUMBER.matcher(text).region(pos, text.length());
        if (!m.lookingAt()) {
            return false;
        }
        accept(m.end(), Kind.NUMBER, "number");
        return true;
    }

    /** Takes {@code [pos, end)} as one token, which must not run into letters or digits. */
    private void accept(int end, Kind kind, String what) {
        if (end < text.length() && continuesWord(text.charAt(end))) {
            throw error(pos, "malformed " + what + " '" + excerpt(text.substring(pos, wordEnd(end))) + "'");
        }
        tokens.add(new Token(kind, text.substring(pos, end), pos + 1));
        pos = end;
    }

    private void lexIdentifierOrPrefixedLiteral() {
        int start = pos;
        pos++;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (isIdentifierPart(c)) {
                pos++;
            } else if (c == '.' && pos + 1 < text.length() && isIdentifierStart(text.charAt(pos + 1))) {
                // qualified names such as Edm.DateTimeOffset
                pos++;
            } else {
                break;
            }
        }
        String name = text.substring(start, pos);
        if (pos < text.length() && text.charAt(pos) == '\'') {
            if (QUOTED_LITERAL_TYPES.contains(name)) {
                Kind kind = name.equals("guid") ? Kind.QUOTED_GUID : Kind.QUOTED_DATE_TIME;
                tokens.add(new Token(kind, quoted(), start + 1));
                return;
            }
            if (UNSUPPORTED_LITERAL_TYPES.contains(name)) {
                throw error(start, "unsupported literal type '" + name
                        + "' (supported: datetime'...', datetimeoffset'...', guid'...')");
            }
        }
        if (name.length() > MAX_MEMBER_LENGTH) {
            throw error(start, "names may be at most " + MAX_MEMBER_LENGTH + " characters long");
        }
        tokens.add(new Token(KEYWORDS.contains(name) ? Kind.KEYWORD : Kind.IDENTIFIER, name, start + 1));
    }

    private int wordEnd(int from) {
        int end = from;
        while (end < text.length() && continuesWord(text.charAt(end)) && end - pos < 40) {
            end++;
        }
        return end;
    }

    private ODataException error(int index, String message) {
        return new ODataException("Syntax error in " + option + " at position " + (index + 1) + ": " + message);
    }

    static boolean isIdentifierStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    static boolean isIdentifierPart(char c) {
        return isIdentifierStart(c) || isDigit(c);
    }

    private static boolean continuesWord(char c) {
        return isIdentifierPart(c) || c == '.' || c == ':';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isHexDigit(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static String describeChar(char c) {
        if (c >= 0x21 && c < 0x7f) {
            return "'" + c + "'";
        }
        return String.format("U+%04X", (int) c);
    }

    /** Client text quoted in an error message, cut short so that a huge token does not make a huge response. */
    static String excerpt(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
