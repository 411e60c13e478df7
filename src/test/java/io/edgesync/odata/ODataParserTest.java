package io.edgesync.odata;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

class ODataParserTest {

    private static final ODataLimits LIMITS = ODataLimits.defaults();
    private static final DateTimeFormatter INSTANT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'");

    // ---- $filter: what parses, and into which tree

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            # comparisons and literals
            text eq 'a'                                      | (text eq 'a')
            (text eq 'a')                                    | (text eq 'a')
            ((((text eq 'a'))))                              | (text eq 'a')
            text eq 'it''s'                                  | (text eq 'it''s')
            text eq ''                                       | (text eq '')
            text eq ''''                                     | (text eq '''')
            text ne 'a'                                      | (text ne 'a')
            price gt 5                                       | (price gt 5)
            price ge 5                                       | (price ge 5)
            price lt 5                                       | (price lt 5)
            price le 5                                       | (price le 5)
            price eq 123L                                    | (price eq 123)
            price eq 123l                                    | (price eq 123)
            price eq 1.5f                                    | (price eq 1.5)
            price eq 1.5M                                    | (price eq 1.5)
            price eq 1.5m                                    | (price eq 1.5)
            price eq 1.5d                                    | (price eq 1.5)
            price eq 1.5D                                    | (price eq 1.5)
            price eq 7d                                      | (price eq 7)
            price eq 1E10                                    | (price eq 1E+10)
            price eq 1e+10                                   | (price eq 1E+10)
            price eq 2.5E-3                                  | (price eq 0.0025)
            price eq 1E308                                   | (price eq 1E+308)
            price eq 1E-308                                  | (price eq 1E-308)
            price eq 1E0000000000000000000009                | (price eq 1E+9)
            price eq 007                                     | (price eq 7)
            complete eq true                                 | (complete eq true)
            complete eq false                                | (complete eq false)
            text eq null                                     | (text eq null)
            null ne text                                     | (null ne text)
            text eq 'ünïcødé ✓'                              | (text eq 'ünïcødé ✓')
            Title eq 'x'                                     | (Title eq 'x')
            _private_1 eq 1                                  | (_private_1 eq 1)
            # precedence and associativity
            a eq 1 or b eq 2 and c eq 3                      | ((a eq 1) or ((b eq 2) and (c eq 3)))
            a eq 1 and b eq 2 or c eq 3                      | (((a eq 1) and (b eq 2)) or (c eq 3))
            a eq 1 and (b eq 2 or c eq 3)                    | ((a eq 1) and ((b eq 2) or (c eq 3)))
            a add b mul c eq d                               | ((a add (b mul c)) eq d)
            a mul b add c eq d                               | (((a mul b) add c) eq d)
            a sub b sub c eq 0                               | (((a sub b) sub c) eq 0)
            a div b mod c eq 0                               | (((a div b) mod c) eq 0)
            a eq b eq c                                      | ((a eq b) eq c)
            a add 1 gt b sub 2                               | ((a add 1) gt (b sub 2))
            # unary operators
            not complete                                     | (not complete)
            not complete and done                            | ((not complete) and done)
            not(complete eq true)                            | (not (complete eq true))
            not not complete                                 | (not (not complete))
            not complete eq true                             | ((not complete) eq true)
            -price gt 5                                      | ((-price) gt 5)
            price gt -5                                      | (price gt -5)
            price gt - 5                                     | (price gt -5)
            price gt --5                                     | (price gt 5)
            price gt -(5)                                    | (price gt -5)
            price gt -1.5E3                                  | (price gt -1.5E+3)
            (0 sub price) gt 5                               | ((0 sub price) gt 5)
            # functions, as JSC, NETC and CTC write them
            substringof('ab',text)                           | substringof('ab', text)
            startswith(tolower(text),'ab')                   | startswith(tolower(text), 'ab')
            startswith(text,'a') eq false                    | (startswith(text, 'a') eq false)
            endswith(text,'z')                               | endswith(text, 'z')
            contains(text,'ab')                              | contains(text, 'ab')
            (complete eq false) and (indexof(text,'x') ge 0) | ((complete eq false) and (indexof(text, 'x') ge 0))
            toupper(text) eq 'A'                             | (toupper(text) eq 'A')
            length(trim(text)) gt 0                          | (length(trim(text)) gt 0)
            concat(concat(a,' '),b) eq 'x y'                 | (concat(concat(a, ' '), b) eq 'x y')
            replace(text,'a','b') eq 'bb'                    | (replace(text, 'a', 'b') eq 'bb')
            substring(text,1) eq 'bc'                        | (substring(text, 1) eq 'bc')
            substring(text, 1, 2) eq 'bc'                    | (substring(text, 1, 2) eq 'bc')
            year(dueDate) eq 2024                            | (year(dueDate) eq 2024)
            month(dueDate) eq 5                              | (month(dueDate) eq 5)
            day(dueDate) eq 1                                | (day(dueDate) eq 1)
            hour(dueDate) eq 10                              | (hour(dueDate) eq 10)
            minute(dueDate) eq 0                             | (minute(dueDate) eq 0)
            second(dueDate) eq 0                             | (second(dueDate) eq 0)
            round(price) eq 2                                | (round(price) eq 2)
            floor(price) eq 2                                | (floor(price) eq 2)
            ceiling(price) eq 2                              | (ceiling(price) eq 2)
            # date-time literals
            updatedAt ge datetimeoffset'1969-12-31T08:00:00.000Z'          | (updatedAt ge 1969-12-31T08:00:00.000Z)
            updatedAt ge datetimeoffset'1970-01-01T00:00:00.0000000+00:00' | (updatedAt ge 1970-01-01T00:00:00.000Z)
            updatedAt ge datetime'2020-01-01T00:00:00.0000000Z'            | (updatedAt ge 2020-01-01T00:00:00.000Z)
            updatedAt gt cast(2024-05-01T10:00:00.000Z,Edm.DateTimeOffset) | (updatedAt gt 2024-05-01T10:00:00.000Z)
            updatedAt gt cast(2024-05-01T10:00:00.000Z, Edm.DateTime)      | (updatedAt gt 2024-05-01T10:00:00.000Z)
            updatedAt gt cast('2024-05-01T10:00:00Z','Edm.DateTimeOffset') | (updatedAt gt 2024-05-01T10:00:00.000Z)
            updatedAt gt 2024-01-01T00:00:00.000Z                          | (updatedAt gt 2024-01-01T00:00:00.000Z)
            updatedAt gt 2024-01-01T02:00:00+02:00                         | (updatedAt gt 2024-01-01T00:00:00.000Z)
            updatedAt+gt+2024-01-01T02:00:00.000+02:00                     | (updatedAt gt 2024-01-01T00:00:00.000Z)
            updatedAt gt 2024-01-01T00:00:00-05:00                         | (updatedAt gt 2024-01-01T05:00:00.000Z)
            dueDate eq cast(2022-02-14,Edm.Date)                           | (dueDate eq 2022-02-14T00:00:00.000Z)
            dueDate eq 2022-02-14                                          | (dueDate eq 2022-02-14T00:00:00.000Z)
            # guids and times of day are strings
            id eq guid'6f9619ff-8b86-d011-b42d-00c04fc964ff'               | (id eq '6f9619ff-8b86-d011-b42d-00c04fc964ff')
            id eq cast(6F9619FF-8B86-D011-B42D-00C04FC964FF,Edm.Guid)      | (id eq '6F9619FF-8B86-D011-B42D-00C04FC964FF')
            id eq cast('6f9619ff-8b86-d011-b42d-00c04fc964ff',Edm.Guid)    | (id eq '6f9619ff-8b86-d011-b42d-00c04fc964ff')
            id eq 6f9619ff-8b86-d011-b42d-00c04fc964ff                     | (id eq '6f9619ff-8b86-d011-b42d-00c04fc964ff')
            id eq abcdef12-8b86-d011-b42d-00c04fc964ff                     | (id eq 'abcdef12-8b86-d011-b42d-00c04fc964ff')
            startTime eq cast(10:30:00,Edm.TimeOfDay)                      | (startTime eq '10:30:00')
            startTime eq 10:30:00.5                                        | (startTime eq '10:30:00.5')
            # in lists (OData v4)
            text in ('a','b')                                | (text in ('a', 'b'))
            text in ( 'a' )                                  | (text in ('a'))
            price in (1, -2, 3.5)                            | (price in (1, -2, 3.5))
            updatedAt in (cast(2024-05-01T10:00:00.000Z,Edm.DateTimeOffset), datetime'2024-05-02T00:00:00Z') | (updatedAt in (2024-05-01T10:00:00.000Z, 2024-05-02T00:00:00.000Z))
            id in (guid'6f9619ff-8b86-d011-b42d-00c04fc964ff', 6f9619ff-8b86-d011-b42d-00c04fc964fe) | (id in ('6f9619ff-8b86-d011-b42d-00c04fc964ff', '6f9619ff-8b86-d011-b42d-00c04fc964fe'))
            complete in (true, false)                        | (complete in (true, false))
            text in ('a') eq true                            | ((text in ('a')) eq true)
            not (text in ('a'))                              | (not (text in ('a')))
            # '+' outside quotes is an undecoded space; tabs are spaces too
            text+eq+'a+b'                                    | (text eq 'a+b')
            (updatedAt+ge+datetimeoffset'2024-05-01T10:00:00.000Z')        | (updatedAt ge 2024-05-01T10:00:00.000Z)
            """)
    void filterParsesIntoTheExpectedTree(String filter, String expected) {
        // When the filter is parsed, then it gives the expected tree
        assertThat(render(ODataParser.parseFilter(filter, LIMITS))).isEqualTo(expected);
    }

    @Test
    void tabsAreWhitespace() {
        // When a filter with tabs between its words is parsed, then the tabs count as whitespace
        assertThat(render(ODataParser.parseFilter("text\teq\t'a'", LIMITS))).isEqualTo("(text eq 'a')");
    }

    @Test
    void keywordsInsideStringLiteralsAreText() {
        // When a string literal holds keywords, then they parse as text
        assertThat(render(ODataParser.parseFilter("text eq 'a and b or not c eq null'", LIMITS)))
                .isEqualTo("(text eq 'a and b or not c eq null')");
    }

    // ---- date-times become UTC instants at millisecond precision, truncated and never rounded up

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            datetime'2024-05-01T10:00:00Z'                  | 2024-05-01T10:00:00.000Z
            datetime'2024-05-01T10:00:00.1Z'                | 2024-05-01T10:00:00.100Z
            datetime'2024-05-01T10:00:00.12Z'               | 2024-05-01T10:00:00.120Z
            datetime'2024-05-01T10:00:00.123Z'              | 2024-05-01T10:00:00.123Z
            datetime'2024-05-01T10:00:00.1239999Z'          | 2024-05-01T10:00:00.123Z
            datetimeoffset'2024-05-01T10:00:00.9999999Z'    | 2024-05-01T10:00:00.999Z
            datetimeoffset'2024-05-01T12:00:00.000+02:00'   | 2024-05-01T10:00:00.000Z
            datetimeoffset'2024-05-01T00:30:00-05:30'       | 2024-05-01T06:00:00.000Z
            datetimeoffset'2024-05-01T00:30:00+14:00'       | 2024-04-30T10:30:00.000Z
            datetimeoffset'2017-11-07T01:59:38.1790000+00:00' | 2017-11-07T01:59:38.179Z
            datetimeoffset'2017-11-07T01:59:38.1790000 00:00' | 2017-11-07T01:59:38.179Z
            datetimeoffset'1969-12-31T08:00:00.000Z'        | 1969-12-31T08:00:00.000Z
            datetimeoffset'1969-12-31T23:59:59.9999999Z'    | 1969-12-31T23:59:59.999Z
            datetimeoffset'1970-01-01T00:00:00.0000000+00:00' | 1970-01-01T00:00:00.000Z
            datetimeoffset'1970-01-01T00:00:00.0000001-00:00' | 1970-01-01T00:00:00.000Z
            datetime'2024-02-29T00:00:00Z'                  | 2024-02-29T00:00:00.000Z
            datetime'0001-01-01T00:00:00Z'                  | 0001-01-01T00:00:00.000Z
            datetime'9999-12-31T23:59:59.999Z'              | 9999-12-31T23:59:59.999Z
            2024-05-01T10:00:00.1234567Z                    | 2024-05-01T10:00:00.123Z
            cast(2024-05-01,Edm.Date)                       | 2024-05-01T00:00:00.000Z
            cast(2024-05-01T10:00:00Z,Edm.Date)             | 2024-05-01T10:00:00.000Z
            cast(2024-05-01,Edm.DateTimeOffset)             | 2024-05-01T00:00:00.000Z
            cast(datetimeoffset'2024-05-01T10:00:00Z',Edm.DateTimeOffset) | 2024-05-01T10:00:00.000Z
            """)
    void dateLiteralsBecomeUtcInstantsTruncatedToMilliseconds(String literal, String expected) {
        // When a filter compares updatedAt with the date literal
        Expr filter = ODataParser.parseFilter("updatedAt ge " + literal, LIMITS);

        // Then the literal is a date-time in UTC, truncated to the millisecond
        Expr right = ((Expr.Binary) filter).right();
        assertThat(right).isInstanceOf(Expr.DateTimeLiteral.class);
        Expr.DateTimeLiteral value = (Expr.DateTimeLiteral) right;
        assertThat(value.value().getOffset()).isEqualTo(ZoneOffset.UTC);
        assertThat(INSTANT.format(value.value())).isEqualTo(expected);
    }

    // ---- $filter: what is rejected, and how it is explained

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            # syntax
            text eqq 'x'                  | Syntax error in $filter at position 6: expected an operator or the end of $filter, found 'eqq'
            text eq                       | Syntax error in $filter at position 8: expected a value, found the end of the expression
            (text eq 'a'                  | Syntax error in $filter at position 13: expected ')' or an operator, found the end of the expression
            text eq 'a')                  | Syntax error in $filter at position 12: ')' without a matching '('
            text eq 'abc                  | Syntax error in $filter at position 9: unterminated string literal
            text eq 'it's'                | Syntax error in $filter at position 14: unterminated string literal (a quote inside a literal is written '')
            text EQ 'a'                   | expected an operator or the end of $filter, found 'EQ'
            text eq 'a' AND done          | found 'AND'
            text eq 'a' And done          | found 'And'
            text eq 'a' --                | found '-'
            eq 'a'                        | Syntax error in $filter at position 1: expected a value, found 'eq'
            ()                            | expected a value, found ')'
            text eq 'a' ,                 | found ','
            text eq *                     | expected a value, found '*'
            text eq 'a'; DROP TABLE x     | Syntax error in $filter at position 12: unexpected character ';'
            text = 'a'                    | unexpected character '='
            text eq 'a' && done           | unexpected character '&'
            text eq @p                    | unexpected character '@'
            text eq 'a' or                | expected a value, found the end of the expression
            not                           | expected a value, found the end of the expression
            a eq 1 b eq 2                 | found 'b'
            # functions
            foo(text) eq 1                | Unknown function 'foo' in $filter
            ToLower(text) eq 'a'          | Unknown function 'ToLower' in $filter
            geo.distance(a, b) eq 1       | Unknown function 'geo.distance' in $filter
            tolower(text, 'a') eq 'a'     | Syntax error in $filter at position 1: function 'tolower' takes 1 argument, found 2
            tolower() eq 'a'              | function 'tolower' takes 1 argument, found 0
            substring(text) eq 'a'        | function 'substring' takes 2 or 3 arguments, found 1
            substring(text,1,2,3) eq 'a'  | function 'substring' takes 2 or 3 arguments, found 4
            replace(text,'a') eq 'a'      | function 'replace' takes 3 arguments, found 2
            startswith(text)              | function 'startswith' takes 2 arguments, found 1
            substringof('a')              | function 'substringof' takes 2 arguments, found 1
            tolower(text eq 'a'           | expected ',' or ')', found the end of the expression
            tolower(text,) eq 'a'         | expected a value, found ')'
            # in lists
            text in ()                    | an 'in' list needs at least one item
            text in ('a',)                | an 'in' list may contain only literals, found ')'
            text in ('a' 'b')             | expected ',' or ')', found a string literal
            text in (other)               | an 'in' list may contain only literals, found 'other'
            text in (tolower('a'))        | an 'in' list may contain only literals, found 'tolower'
            text in ('a', null)           | null is not allowed in an 'in' list; use 'eq null' instead
            text in 'a'                   | expected '(' after 'in', found a string literal
            text in ('a'                  | expected ',' or ')', found the end of the expression
            # members
            address/city eq 'x'           | Syntax error in $filter at position 1: member paths such as 'address/...' are not supported
            Edm.String eq 'x'             | 'Edm.String' is not a valid member name
            1abc eq 1                     | malformed number '1abc'
            # literals
            updatedAt ge datetime'2024-13-01T00:00:00Z'          | Syntax error in $filter at position 14: '2024-13-01T00:00:00Z' is not a valid date-time
            updatedAt ge datetime'2024-02-30T00:00:00Z'          | is not a valid date-time
            updatedAt ge datetime'2023-02-29T00:00:00Z'          | is not a valid date-time
            updatedAt ge datetime'2024-05-01'                    | is not a valid date-time
            updatedAt ge datetime'2024-05-01T10:00Z'             | is not a valid date-time
            updatedAt ge datetime'2024-05-01T10:00:00.12345678Z' | is not a valid date-time
            updatedAt ge datetime'2024-05-01T10:00:00.Z'         | is not a valid date-time
            updatedAt ge datetime'2024-05-01T10:00:00'           | is not a valid date-time
            updatedAt ge datetime'2024-05-01T24:00:00Z'          | is not a valid date-time
            updatedAt ge datetime'2024-05-01T10:60:00Z'          | is not a valid date-time
            updatedAt ge datetime'2024-05-01T10:00:60Z'          | is not a valid date-time
            updatedAt ge datetime'2024-05-01 10:00:00Z'          | is not a valid date-time
            updatedAt ge datetime'2024-05-01t10:00:00z'          | is not a valid date-time
            updatedAt ge datetime'2024-5-1T10:00:00Z'            | is not a valid date-time
            updatedAt ge datetimeoffset'2024-05-01T10:00:00+25:00' | is not a valid date-time
            updatedAt ge datetimeoffset'2024-05-01T10:00:00+0200'  | is not a valid date-time
            updatedAt ge datetime'+2024-05-01T10:00:00Z'         | is not a valid date-time
            updatedAt ge datetime'yesterday'                     | 'yesterday' is not a valid date-time
            updatedAt ge datetime''                              | '' is not a valid date-time
            updatedAt ge datetime'2024-05-01T10:00:00Z            | unterminated string literal
            updatedAt ge 2024-05-01T10:00:00.000Zulu             | malformed date '2024-05-01T10:00:00.000Zulu'
            updatedAt ge 2024-05-01T10:00Z                       | '2024-05-01T10:00Z' is not a valid date-time
            updatedAt ge 2024-13-01                              | '2024-13-01' is not a valid date (expected yyyy-MM-dd)
            id eq guid'not-a-guid'                               | 'not-a-guid' is not a valid guid
            id eq guid''                                         | '' is not a valid guid
            id eq cast(2024-05-01,Edm.Guid)                      | cast(..., Edm.Guid) needs a guid
            id eq cast('x',Edm.Guid)                             | cast(..., Edm.Guid) needs a guid
            x eq cast(2024-05-01,Edm.Int32)                      | unsupported cast target 'Edm.Int32'
            x eq cast(text,Edm.String)                           | cast() supports only a literal as its first argument, found 'text'
            x eq cast(5,Edm.DateTimeOffset)                      | cast() supports only a literal as its first argument, found '5'
            x eq cast(6f9619ff-8b86-d011-b42d-00c04fc964ff,Edm.DateTimeOffset) | is not a date-time
            x eq cast('soon',Edm.Date)                           | 'soon' is not a date
            x eq cast(2024-05-01 Edm.Date)                       | expected ',', found 'Edm.Date'
            x eq cast(2024-05-01,5)                              | expected a type name such as Edm.DateTimeOffset, found '5'
            x eq cast(2024-05-01,Edm.Date                        | expected ')', found the end of the expression
            x eq cast(25:00:00,Edm.TimeOfDay)                    | cast(..., Edm.TimeOfDay) needs a time of day
            x eq cast(2024-05-01,Edm.TimeOfDay)                  | cast(..., Edm.TimeOfDay) needs a time of day
            x eq 25:00:00                                        | '25:00:00' is not a valid time of day
            x eq 10:00:00:00                                     | malformed time '10:00:00:00'
            x eq binary'AQID'                                    | unsupported literal type 'binary'
            x eq X'AB'                                           | unsupported literal type 'X'
            x eq duration'PT1H'                                  | unsupported literal type 'duration'
            price eq 12abc                                       | malformed number '12abc'
            price eq 1.5L                                        | the suffix 'L' is only allowed on integers
            price eq 1E3L                                        | the suffix 'L' is only allowed on integers
            price eq 1.2.3                                       | malformed number '1.2.3'
            price eq 1.                                          | malformed number '1.'
            price eq .5                                          | unexpected character '.'
            price eq 1E                                          | malformed number '1E'
            price eq 1E309                                       | the exponent of a number literal must be between -308 and 308
            price eq 1E-400                                      | the exponent of a number literal must be between -308 and 308
            price eq 1E99999999999999999999                      | the exponent of a number literal must be between -308 and 308
            """)
    void malformedFilterIsRejectedWithAClearMessage(String filter, String message) {
        // When the malformed filter is parsed, then it is rejected with a message that explains why
        assertThatThrownBy(() -> ODataParser.parseFilter(filter, LIMITS))
                .isInstanceOf(ODataException.class)
                .hasMessageContaining(message);
    }

    static Stream<Arguments> filtersWithControlCharacters() {
        return Stream.of(
                Arguments.of("text eq \"a\"", "Syntax error in $filter at position 9: unexpected character '\"'"),
                Arguments.of("text eq 'a\u0000b'",
                        "Syntax error in $filter at position 11: string literals must not contain the character U+0000"),
                Arguments.of("text eq \u0000", "Syntax error in $filter at position 9: unexpected character U+0000"),
                Arguments.of("text\neq 'a'", "Syntax error in $filter at position 5: unexpected character U+000A"),
                Arguments.of("text\req 'a'", "unexpected character U+000D"),
                Arguments.of("text eq 'a'\u00a0", "unexpected character U+00A0"),
                Arguments.of("téxt eq 'a'", "unexpected character U+00E9"),
                Arguments.of("text eq ＇a＇", "unexpected character U+FF07"),
                Arguments.of("", "$filter is empty"),
                Arguments.of("   ", "$filter is empty"),
                Arguments.of(null, "$filter is empty"));
    }

    @ParameterizedTest
    @MethodSource("filtersWithControlCharacters")
    void controlAndNonAsciiCharactersOutsideLiteralsAreRejected(String filter, String message) {
        // When the filter is parsed, then it is rejected with the expected message
        assertThatThrownBy(() -> ODataParser.parseFilter(filter, LIMITS))
                .isInstanceOf(ODataException.class)
                .hasMessageContaining(message);
    }

    @Test
    void numberWithMoreThanOneHundredDigitsIsRejected() {
        // Given a whole number of one hundred digits
        String hundred = "1".repeat(100);
        // Then a filter with it parses, and so does one with a decimal number within the limit
        assertThat(render(ODataParser.parseFilter("price eq " + hundred, LIMITS))).isEqualTo("(price eq " + hundred
                + ")");
        assertThat(render(ODataParser.parseFilter("price eq 1." + "5".repeat(98), LIMITS)))
                .isEqualTo("(price eq 1." + "5".repeat(98) + ")");

        // When the number has one digit more, then it is rejected
        assertThatThrownBy(() -> ODataParser.parseFilter("price eq " + hundred + "1", LIMITS))
                .isInstanceOf(ODataException.class)
                .hasMessageContaining("number literals may have at most 100 digits");
        // And so is a decimal number of 101 digits
        assertThatThrownBy(() -> ODataParser.parseFilter("price eq 1." + "5".repeat(100), LIMITS))
                .isInstanceOf(ODataException.class)
                .hasMessageContaining("number literals may have at most 100 digits");
    }

    @Test
    void unknownFunctionMessageNamesTheFunctionOnly() {
        // When a filter calls an unknown function, then the message names the function and nothing else
        assertThatThrownBy(() -> ODataParser.parseFilter("foo(text) eq 1", LIMITS))
                .isInstanceOf(ODataException.class)
                .hasMessage("Unknown function 'foo' in $filter");
    }

    // ---- limits

    @Test
    void filterAtMaxLengthIsAcceptedAndOneCharacterMoreIsRejected() {
        // Given a filter of exactly the maximum length, 4096 characters
        String prefix = "text eq '";
        String atLimit = prefix + "x".repeat(LIMITS.maxLength() - prefix.length() - 1) + "'";
        assertThat(atLimit).hasSize(4096);
        // Then it parses
        assertThat(ODataParser.parseFilter(atLimit, LIMITS)).isInstanceOf(Expr.Binary.class);

        // When it is one character longer
        String overLimit = prefix + "x".repeat(LIMITS.maxLength() - prefix.length()) + "'";
        // Then it is rejected, with its length and the limit in the message
        assertThatThrownBy(() -> ODataParser.parseFilter(overLimit, LIMITS))
                .isInstanceOf(ODataException.class)
                .hasMessage("$filter is too long: 4097 characters, the limit (maxLength) is 4096");
    }

    @Test
    void customLimitsApply() {
        // Given small limits: 20 characters, 2 levels of nesting, 2 items in an in list
        ODataLimits small = new ODataLimits(20, 2, 2);

        // Then a longer filter is rejected for its length
        assertThatThrownBy(() -> ODataParser.parseFilter("text eq 'abcdefghijklmno'", small))
                .hasMessageContaining("(maxLength) is 20");
        // And three levels of nesting are too deep, while two parse
        assertThatThrownBy(() -> ODataParser.parseFilter("(((a eq 1)))", small))
                .hasMessageContaining("maxDepth");
        assertThat(render(ODataParser.parseFilter("((a eq 1))", small))).isEqualTo("(a eq 1)");
        // And an in list of three items is too long
        assertThatThrownBy(() -> ODataParser.parseFilter("a in (1,2,3)", small))
                .hasMessageContaining("maxInListSize");
        // And the length limit applies to $orderby too
        assertThatThrownBy(() -> ODataParser.parseOrderBy("a,b,c,d,e,f,g,h,i,j,k", small))
                .hasMessageContaining("(maxLength) is 20");
    }

    @Test
    void invalidLimitsAreAProgrammingError() {
        // Then a maximum length of zero is a programming error
        assertThatThrownBy(() -> new ODataLimits(0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        // And the defaults are 4096 characters, 32 levels and 1000 items in an in list
        assertThat(ODataLimits.defaults()).isEqualTo(new ODataLimits(4096, 32, 1000));
    }

    static Stream<Arguments> nestingShapes() {
        return Stream.of(
                Arguments.of("parentheses", "(", "a eq 1", ")"),
                Arguments.of("not", "not ", "complete", ""),
                Arguments.of("negation", "-", "price", ""),
                Arguments.of("function calls", "tolower(", "text", ")"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nestingShapes")
    void nestingUpToMaxDepthIsAcceptedAndDeeperIsRejected(String shape, String open, String inner, String close) {
        // Given the shape nested 32 times, the maximum depth
        String atLimit = open.repeat(32) + inner + close.repeat(32);
        // Then it parses
        assertThat(ODataParser.parseFilter(atLimit, LIMITS)).isNotNull();

        // When it is nested 33 times
        String tooDeep = open.repeat(33) + inner + close.repeat(33);
        // Then it is rejected, with the limit and its name in the message
        assertThatThrownBy(() -> ODataParser.parseFilter(tooDeep, LIMITS))
                .isInstanceOf(ODataException.class)
                .hasMessageContaining("$filter is nested too deeply")
                .hasMessageContaining("at most 32 levels")
                .hasMessageContaining("(maxDepth)");
    }

    @Test
    void veryDeepNestingIsRejectedWithoutStackOverflow() {
        // Given 2,000 nested parentheses
        String deep = "(".repeat(2000) + "a eq 1" + ")".repeat(2000);
        // When the filter is parsed, then it is rejected for its depth with an OData error, not a stack overflow
        Throwable thrown = catchThrowable(() -> ODataParser.parseFilter(deep, LIMITS));
        assertThat(thrown).isInstanceOf(ODataException.class).hasMessageContaining("maxDepth");

        // And so is a filter of 200,000 opening parentheses under a generous length limit
        String deepHuge = "(".repeat(200_000);
        ODataLimits generous = new ODataLimits(1_000_000, 32, 1000);
        assertThat(catchThrowable(() -> ODataParser.parseFilter(deepHuge, generous)))
                .isInstanceOf(ODataException.class)
                .hasMessageContaining("maxDepth");
    }

    @Test
    void longOperatorChainsAreNotNesting() {
        // Given a chain of 400 comparisons joined by or, within the maximum length
        String chain = Stream.generate(() -> "a eq 1").limit(400).collect(Collectors.joining(" or "));
        assertThat(chain.length()).isLessThanOrEqualTo(4096);

        // When it is parsed
        Expr parsed = ODataParser.parseFilter(chain, LIMITS);

        // Then it parses into an or at the top, not rejected as nesting
        assertThat(parsed).isInstanceOf(Expr.Binary.class);
        assertThat(((Expr.Binary) parsed).operator()).isEqualTo(Expr.BinaryOp.OR);
    }

    @Test
    void inListUpToMaxInListSizeIsAcceptedAndLongerIsRejected() {
        // Given an in list of 1000 items, the maximum
        String thousand = Stream.iterate(1, i -> i + 1)
                .limit(1000)
                .map(String::valueOf)
                .collect(Collectors.joining(",", "price in (", ")"));
        // When it is parsed, then it holds all 1000 items
        Expr parsed = ODataParser.parseFilter(thousand, new ODataLimits(10_000, 32, 1000));
        assertThat(((Expr.In) parsed).items()).hasSize(1000);

        // When the list has one item more, then it is rejected with the limit in the message
        String thousandAndOne = thousand.replace("(1,", "(0,1,");
        assertThatThrownBy(() -> ODataParser.parseFilter(thousandAndOne, new ODataLimits(10_000, 32, 1000)))
                .isInstanceOf(ODataException.class)
                .hasMessageContaining("an 'in' list may have at most 1000 items (maxInListSize)");
    }

    @Test
    void memberNamesMayHave128CharactersButNotMore() {
        // Given a member name of 128 characters
        String name128 = "a".repeat(128);
        // Then a filter with it parses
        assertThat(ODataParser.parseFilter(name128 + " eq 1", LIMITS))
                .isEqualTo(new Expr.Binary(Expr.BinaryOp.EQ, new Expr.Member(name128),
                        new Expr.NumberLiteral(java.math.BigDecimal.ONE)));

        // And a name of 129 characters is rejected in a $filter
        assertThatThrownBy(() -> ODataParser.parseFilter("a".repeat(129) + " eq 1", LIMITS))
                .isInstanceOf(ODataException.class)
                .hasMessage("Syntax error in $filter at position 1: names may be at most 128 characters long");
        // And in a $select
        assertThatThrownBy(() -> ODataParser.parseSelect("a".repeat(129), LIMITS))
                .isInstanceOf(ODataException.class)
                .hasMessageContaining("names may be at most 128 characters long");
    }

    @Test
    void errorMessagesQuoteAtMostAShortExcerptOfTheInput() {
        // Given an input with two names of 120 characters
        String longName = "x".repeat(120);
        // When its parsing fails
        Throwable thrown = catchThrowable(() -> ODataParser.parseFilter("foo eq " + longName + " " + longName,
                LIMITS));
        // Then the message quotes no more than 40 characters of a name, followed by an ellipsis
        assertThat(thrown).isInstanceOf(ODataException.class);
        assertThat(thrown.getMessage()).contains("x".repeat(40) + "...").doesNotContain("x".repeat(41));
    }

    // ---- $orderby

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            updatedAt                      | updatedAt asc
            updatedAt asc                  | updatedAt asc
            updatedAt desc                 | updatedAt desc
            updatedAt,id                   | updatedAt asc, id asc
            updatedAt asc, id desc         | updatedAt asc, id desc
            "  text   desc  ,  id  "       | text desc, id asc
            text+desc,id                   | text desc, id asc
            Title desc                     | Title desc
            in desc                        | in desc
            desc                           | desc asc
            desc desc                      | desc desc
            """)
    void orderByParsesIntoMembersAndDirections(String orderBy, String expected) {
        // When the $orderby is parsed
        List<OrderBy> parsed = ODataParser.parseOrderBy(orderBy, LIMITS);

        // Then it gives the expected members and directions
        assertThat(parsed.stream()
                .map(o -> o.member() + (o.descending() ? " desc" : " asc"))
                .collect(Collectors.joining(", "))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', emptyValue = "\u0001", textBlock = """
            "\u0001"                       | $orderby is empty
            updatedAt,                     | Syntax error in $orderby at position 11: empty entry: expected a member name
            ",id"                          | Syntax error in $orderby at position 1: empty entry: expected a member name
            "a,,b"                         | Syntax error in $orderby at position 3: empty entry
            updatedAt DESC                 | Syntax error in $orderby at position 11: expected 'asc', 'desc', ',' or the end of $orderby, found 'DESC'
            updatedAt desc asc             | found 'asc'
            a b                            | found 'b'
            length(text)                   | only member names are supported in $orderby, not function calls
            address/city                   | member paths such as 'address/...' are not supported
            'text'                         | expected a member name, found a string literal
            5                              | expected a member name, found '5'
            *                              | '*' is not supported; leave $orderby out to get every member
            text; DROP TABLE x             | unexpected character ';'
            """)
    void malformedOrderByIsRejected(String orderBy, String message) {
        // Given the $orderby (an empty one written as U+0001 in the table)
        String input = "\u0001".equals(orderBy) ? "" : orderBy;
        // When it is parsed, then it is rejected with the expected message
        assertThatThrownBy(() -> ODataParser.parseOrderBy(input, LIMITS))
                .isInstanceOf(ODataException.class)
                .hasMessageContaining(message);
    }

    // ---- $select

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            text                           | text
            text,complete                  | text,complete
            "  text ,   complete  "        | text,complete
            "id,updatedAt,version,deleted" | id,updatedAt,version,deleted
            Text,TEXT                      | Text,TEXT
            text+,+complete                | text,complete
            not,in                         | not,in
            """)
    void selectParsesIntoMemberNames(String select, String expected) {
        // When the $select is parsed, then it gives the expected member names
        assertThat(String.join(",", ODataParser.parseSelect(select, LIMITS))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            "text,"                        | Syntax error in $select at position 6: empty entry: expected a member name
            ",text"                        | empty entry
            "text,,complete"               | empty entry
            "text, ,complete"              | empty entry
            *                              | '*' is not supported; leave $select out to get every member
            address/city                   | member paths such as 'address/...' are not supported
            tolower(text)                  | only member names are supported in $select, not function calls
            'text'                         | expected a member name, found a string literal
            text complete                  | expected ',' or the end of $select, found 'complete'
            text desc                      | found 'desc'
            Edm.String                     | 'Edm.String' is not a valid member name
            """)
    void malformedSelectIsRejected(String select, String message) {
        // When the malformed $select is parsed, then it is rejected with the expected message
        assertThatThrownBy(() -> ODataParser.parseSelect(select, LIMITS))
                .isInstanceOf(ODataException.class)
                .hasMessageContaining(message);
    }

    @Test
    void emptySelectAndOrderByAreRejected() {
        // Then an empty $select is rejected as empty
        assertThatThrownBy(() -> ODataParser.parseSelect(" ", LIMITS)).hasMessage("$select is empty");
        // And so is a missing $orderby
        assertThatThrownBy(() -> ODataParser.parseOrderBy(null, LIMITS)).hasMessage("$orderby is empty");
    }

    // ---- robustness

    @ParameterizedTest
    @ValueSource(strings = {"$filter", "$orderby", "$select"})
    void randomInputOnlyEverFailsWithODataException(String option) {
        // Given 5,000 random inputs glued from fragments, from a seed per option
        Random random = new Random(4242 + option.hashCode());
        for (int i = 0; i < 5_000; i++) {
            String input = randomInput(random);
            // When each is parsed as the option
            Throwable thrown = catchThrowable(() -> {
                switch (option) {
                    case "$filter" -> ODataParser.parseFilter(input, LIMITS);
                    case "$orderby" -> ODataParser.parseOrderBy(input, LIMITS);
                    default -> ODataParser.parseSelect(input, LIMITS);
                }
            });
            // Then if it fails, it fails with an OData error whose message is safe to show a client
            if (thrown != null) {
                assertThat(thrown).as("input %s", input).isInstanceOf(ODataException.class);
                assertClientSafe(thrown.getMessage());
            }
        }
    }

    /** Fragments that exercise every lexer and parser path, glued at random. */
    static final String[] FRAGMENTS = {"(", ")", "'", "''", "'a'", ",", "/", "-", "+", " ", "\t", "eq", " eq ",
            " and ", " or ", "not ", " in ", " add ", " div ", " mod ", "text", "price", "complete", "mystery",
            "nosuch", "updatedAt", "1", "0", "1.5", "E", "e-", "L", "M", "f", "datetime'", "datetimeoffset'",
            "guid'", "2024-01-01T00:00:00Z", "2024-01-01", "2024-02-30T00:00:00.000+02:00", "10:00:00",
            "6f9619ff-8b86-d011-b42d-00c04fc964ff", "cast(", ",Edm.Date)", "Edm.DateTimeOffset", "Edm.Guid",
            "tolower(", "substring(", "replace(", "year(", "indexof(", "concat(", "startswith(", "endswith(",
            "substringof(", "length(", "round(", "null", "true", "false", "\u0000", "é", "$", "*", ":", ".",
            "9".repeat(30), "E400", "asc", "desc", "\\", ";", "--"};

    static String randomInput(Random random) {
        StringBuilder input = new StringBuilder();
        int parts = 1 + random.nextInt(14);
        for (int j = 0; j < parts; j++) {
            input.append(FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
        }
        return input.toString();
    }

    static void assertClientSafe(String message) {
        assertThat(message).isNotBlank()
                .doesNotContain("java.")
                .doesNotContain("io.edgesync")
                .doesNotContain("Exception");
    }

    // ---- helpers

    /** A compact, fully parenthesised rendering of a tree, for readable expectations. */
    static String render(Expr e) {
        if (e instanceof Expr.StringLiteral s) {
            return "'" + s.value().replace("'", "''") + "'";
        }
        if (e instanceof Expr.NumberLiteral n) {
            return n.value().toString();
        }
        if (e instanceof Expr.BooleanLiteral b) {
            return String.valueOf(b.value());
        }
        if (e instanceof Expr.NullLiteral) {
            return "null";
        }
        if (e instanceof Expr.DateTimeLiteral d) {
            return INSTANT.format(d.value());
        }
        if (e instanceof Expr.Member m) {
            return m.name();
        }
        if (e instanceof Expr.Unary u) {
            return u.operator() == Expr.UnaryOp.NOT
                    ? "(not " + render(u.operand()) + ")"
                    : "(-" + render(u.operand()) + ")";
        }
        if (e instanceof Expr.Binary b) {
            return "(" + render(b.left()) + " " + b.operator().keyword() + " " + render(b.right()) + ")";
        }
        if (e instanceof Expr.Call c) {
            List<String> args = new ArrayList<>();
            c.arguments().forEach(a -> args.add(render(a)));
            return c.function().odataName() + "(" + String.join(", ", args) + ")";
        }
        Expr.In in = (Expr.In) e;
        List<String> items = new ArrayList<>();
        in.items().forEach(i -> items.add(render(i)));
        return "(" + render(in.value()) + " in (" + String.join(", ", items) + "))";
    }
}
