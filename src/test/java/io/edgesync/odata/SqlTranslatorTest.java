package io.edgesync.odata;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.fail;

public class SqlTranslatorTest {

    private static final ODataLimits LIMITS = ODataLimits.defaults();
    private static final DateTimeFormatter INSTANT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'");

    /** The todoitem table of the conformance cases, plus one column of every type. */
    private static final Map<String, ResolvedColumn> COLUMNS = Stream.of(
            ResolvedColumn.system("id", ValueType.STRING, "r.id"),
            ResolvedColumn.system("createdAt", ValueType.DATETIME, "r.created_at"),
            ResolvedColumn.system("updatedAt", ValueType.DATETIME, "r.updated_at"),
            ResolvedColumn.system("version", ValueType.STRING, "r.version"),
            ResolvedColumn.system("deleted", ValueType.BOOLEAN, "r.deleted"),
            ResolvedColumn.user("text", ValueType.STRING),
            ResolvedColumn.user("complete", ValueType.BOOLEAN),
            ResolvedColumn.user("price", ValueType.NUMBER),
            ResolvedColumn.user("dueDate", ValueType.DATETIME),
            ResolvedColumn.user("mystery", ValueType.UNKNOWN),
            ResolvedColumn.user("other", ValueType.UNKNOWN),
            ResolvedColumn.user("Title", ValueType.STRING))
            .collect(Collectors.toMap(c -> c.name().toLowerCase(Locale.ROOT), c -> c));

    /** Resolves the columns above; also used by the OData microbenchmark (src/bench). */
    public static final ColumnResolver RESOLVER = member -> Optional
            .ofNullable(COLUMNS.get(member.toLowerCase(Locale.ROOT)));

    // ---- $filter translations

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '~', quoteCharacter = '"', textBlock = """
            # incremental pulls of every client: a plain range condition on the indexed column
            (updatedAt ge datetimeoffset'2024-05-01T10:00:00.000Z')          ~ (r.updated_at >= $1::timestamptz) ~ ts(2024-05-01T10:00:00.000Z)
            (updatedAt ge datetimeoffset'1969-12-31T08:00:00.000Z')          ~ (r.updated_at >= $1::timestamptz) ~ ts(1969-12-31T08:00:00.000Z)
            (updatedAt ge datetimeoffset'1970-01-01T00:00:00.0000000+00:00') ~ (r.updated_at >= $1::timestamptz) ~ ts(1970-01-01T00:00:00.000Z)
            (updatedAt ge datetime'2020-01-01T00:00:00.0000000Z')            ~ (r.updated_at >= $1::timestamptz) ~ ts(2020-01-01T00:00:00.000Z)
            (updatedAt gt cast(2024-05-01T10:00:00.000Z,Edm.DateTimeOffset)) ~ (r.updated_at > $1::timestamptz)  ~ ts(2024-05-01T10:00:00.000Z)
            updatedAt gt 2024-01-01T00:00:00.000Z                            ~ (r.updated_at > $1::timestamptz)  ~ ts(2024-01-01T00:00:00.000Z)
            updatedAt ge '2024-05-01T10:00:00.000Z'                          ~ (r.updated_at >= $1::timestamptz) ~ ts(2024-05-01T10:00:00.000Z)
            createdAt lt datetime'2024-01-01T00:00:00Z'                      ~ (r.created_at < $1::timestamptz)  ~ ts(2024-01-01T00:00:00.000Z)
            # system columns
            id eq 'a1'                                   ~ (r.id = $1::text)                  ~ 'a1'
            ID eq 'a1'                                   ~ (r.id = $1::text)                  ~ 'a1'
            version ne 'AAAAAAAAB9E='                    ~ (r.version <> $1::text)            ~ 'AAAAAAAAB9E='
            id eq guid'6f9619ff-8b86-d011-b42d-00c04fc964ff' ~ (r.id = $1::text)              ~ '6f9619ff-8b86-d011-b42d-00c04fc964ff'
            id gt datetime'2024-01-01T00:00:00Z'         ~ (es_ts(r.id) > $1::timestamptz)    ~ ts(2024-01-01T00:00:00.000Z)
            deleted                                      ~ (r.deleted)                        ~
            not deleted                                  ~ (NOT r.deleted)                    ~
            deleted eq false                             ~ (r.deleted = $1::boolean)          ~ false
            # typed user columns
            text eq 'a'             ~ (es_text((r.data -> $1::text)) = $2::text)     ~ 'text', 'a'
            TEXT eq 'a'             ~ (es_text((r.data -> $1::text)) = $2::text)     ~ 'text', 'a'
            title eq 'a'            ~ (es_text((r.data -> $1::text)) = $2::text)     ~ 'Title', 'a'
            text eq 'it''s'         ~ (es_text((r.data -> $1::text)) = $2::text)     ~ 'text', 'it's'
            text ne 'a'             ~ (es_text((r.data -> $1::text)) <> $2::text)    ~ 'text', 'a'
            text gt 'a'             ~ (es_text((r.data -> $1::text)) > $2::text)     ~ 'text', 'a'
            text ge 'a'             ~ (es_text((r.data -> $1::text)) >= $2::text)    ~ 'text', 'a'
            text lt 'a'             ~ (es_text((r.data -> $1::text)) < $2::text)     ~ 'text', 'a'
            text le 'a'             ~ (es_text((r.data -> $1::text)) <= $2::text)    ~ 'text', 'a'
            price gt 5              ~ (es_num((r.data -> $1::text)) > $2::numeric)   ~ 'price', 5
            price eq 123L           ~ (es_num((r.data -> $1::text)) = $2::numeric)   ~ 'price', 123
            price eq 1.5f           ~ (es_num((r.data -> $1::text)) = $2::numeric)   ~ 'price', 1.5
            price eq 1E10           ~ (es_num((r.data -> $1::text)) = $2::numeric)   ~ 'price', 1E+10
            price gt -5             ~ (es_num((r.data -> $1::text)) > $2::numeric)   ~ 'price', -5
            complete eq true        ~ (es_bool((r.data -> $1::text)) = $2::boolean)  ~ 'complete', true
            complete                ~ (es_bool((r.data -> $1::text)))                ~ 'complete'
            not complete            ~ (NOT es_bool((r.data -> $1::text)))            ~ 'complete'
            dueDate lt datetime'2024-01-01T00:00:00Z' ~ (es_ts(es_text((r.data -> $1::text))) < $2::timestamptz) ~ 'dueDate', ts(2024-01-01T00:00:00.000Z)
            dueDate lt '2024-01-01T00:00:00+01:00'    ~ (es_ts(es_text((r.data -> $1::text))) < $2::timestamptz) ~ 'dueDate', ts(2023-12-31T23:00:00.000Z)
            dueDate eq cast(2022-02-14,Edm.Date)      ~ (es_ts(es_text((r.data -> $1::text))) = $2::timestamptz) ~ 'dueDate', ts(2022-02-14T00:00:00.000Z)
            text gt datetime'2024-01-01T00:00:00Z'    ~ (es_ts(es_text((r.data -> $1::text))) > $2::timestamptz) ~ 'text', ts(2024-01-01T00:00:00.000Z)
            # a column of unknown type takes the type of what it is compared with
            mystery eq 'a'          ~ (es_text((r.data -> $1::text)) = $2::text)     ~ 'mystery', 'a'
            mystery eq 5            ~ (es_num((r.data -> $1::text)) = $2::numeric)   ~ 'mystery', 5
            mystery eq true         ~ (es_bool((r.data -> $1::text)) = $2::boolean)  ~ 'mystery', true
            mystery gt datetime'2024-01-01T00:00:00Z' ~ (es_ts(es_text((r.data -> $1::text))) > $2::timestamptz) ~ 'mystery', ts(2024-01-01T00:00:00.000Z)
            'a' eq mystery          ~ ($1::text = es_text((r.data -> $2::text)))     ~ 'a', 'mystery'
            mystery eq text         ~ (es_text((r.data -> $1::text)) = es_text((r.data -> $2::text))) ~ 'mystery', 'text'
            mystery eq other        ~ ((r.data -> $1::text) = (r.data -> $2::text))  ~ 'mystery', 'other'
            mystery                 ~ (es_bool((r.data -> $1::text)))                ~ 'mystery'
            mystery add 1 eq 2      ~ ((es_num((r.data -> $1::text)) + $2::numeric) = $3::numeric) ~ 'mystery', 1, 2
            tolower(mystery) eq 'a' ~ (lower(es_text((r.data -> $1::text))) = $2::text) ~ 'mystery', 'a'
            year(mystery) eq 2024   ~ (EXTRACT(YEAR FROM (es_ts(es_text((r.data -> $1::text))) AT TIME ZONE 'UTC'))::numeric = $2::numeric) ~ 'mystery', 2024
            # null: a user column is null when the key is missing or holds JSON null
            text eq null            ~ (COALESCE(jsonb_typeof((r.data -> $1::text)), 'null') = 'null')  ~ 'text'
            text ne null            ~ (COALESCE(jsonb_typeof((r.data -> $1::text)), 'null') <> 'null') ~ 'text'
            null eq price           ~ (COALESCE(jsonb_typeof((r.data -> $1::text)), 'null') = 'null')  ~ 'price'
            mystery eq null         ~ (COALESCE(jsonb_typeof((r.data -> $1::text)), 'null') = 'null')  ~ 'mystery'
            id eq null              ~ (r.id IS NULL)                                  ~
            deleted ne null         ~ (r.deleted IS NOT NULL)                         ~
            tolower(text) eq null   ~ (lower(es_text((r.data -> $1::text))) IS NULL)  ~ 'text'
            (price add 1) ne null   ~ ((es_num((r.data -> $1::text)) + $2::numeric) IS NOT NULL) ~ 'price', 1
            null eq null            ~ (NULL IS NULL)                                  ~
            null ne null            ~ (NULL IS NOT NULL)                              ~
            # logic; a column used twice is bound once
            text eq 'a' and complete             ~ ((es_text((r.data -> $1::text)) = $2::text) AND es_bool((r.data -> $3::text))) ~ 'text', 'a', 'complete'
            text eq 'a' or text eq 'b'           ~ ((es_text((r.data -> $1::text)) = $2::text) OR (es_text((r.data -> $1::text)) = $3::text)) ~ 'text', 'a', 'b'
            text eq 'a' or price gt 1 and complete ~ ((es_text((r.data -> $1::text)) = $2::text) OR ((es_num((r.data -> $3::text)) > $4::numeric) AND es_bool((r.data -> $5::text)))) ~ 'text', 'a', 'price', 1, 'complete'
            not (text eq 'a')                    ~ (NOT (es_text((r.data -> $1::text)) = $2::text)) ~ 'text', 'a'
            true                                 ~ ($1::boolean) ~ true
            complete eq startswith(text,'a')     ~ (es_bool((r.data -> $1::text)) = starts_with(es_text((r.data -> $2::text)), $3::text)) ~ 'complete', 'text', 'a'
            # functions (conformance case 40 and 56)
            substringof('ab',text)               ~ (strpos(es_text((r.data -> $2::text)), $1::text) > 0) ~ 'ab', 'text'
            contains(text,'ab')                  ~ (strpos(es_text((r.data -> $1::text)), $2::text) > 0) ~ 'text', 'ab'
            startswith(tolower(text),'ab')       ~ (starts_with(lower(es_text((r.data -> $1::text))), $2::text)) ~ 'text', 'ab'
            startswith(text,'a') eq false        ~ (starts_with(es_text((r.data -> $1::text)), $2::text) = $3::boolean) ~ 'text', 'a', false
            endswith(text,'z')                   ~ (right(es_text((r.data -> $1::text)), char_length($2::text)) = $2::text) ~ 'text', 'z'
            (complete eq false) and (indexof(text,'x') ge 0) ~ ((es_bool((r.data -> $1::text)) = $2::boolean) AND ((strpos(es_text((r.data -> $3::text)), $4::text) - 1) >= $5::numeric)) ~ 'complete', false, 'text', 'x', 0
            toupper(text) eq 'A'                 ~ (upper(es_text((r.data -> $1::text))) = $2::text) ~ 'text', 'A'
            trim(text) eq 'a'                    ~ (btrim(es_text((r.data -> $1::text))) = $2::text) ~ 'text', 'a'
            length(text) gt 3                    ~ (char_length(es_text((r.data -> $1::text))) > $2::numeric) ~ 'text', 3
            concat(text,'x') eq 'ax'             ~ (es_concat(es_text((r.data -> $1::text)), $2::text) = $3::text) ~ 'text', 'x', 'ax'
            indexof(text,'b') eq 1               ~ ((strpos(es_text((r.data -> $1::text)), $2::text) - 1) = $3::numeric) ~ 'text', 'b', 1
            replace(text,'a','b') eq 'bb'        ~ (es_replace(es_text((r.data -> $1::text)), $2::text, $3::text) = $4::text) ~ 'text', 'a', 'b', 'bb'
            substring(text,1) eq 'bc'            ~ (substr(es_text((r.data -> $1::text)), (LEAST(GREATEST($2::numeric, 0), 2147483646) + 1)::integer) = $3::text) ~ 'text', 1, 'bc'
            substring(text,1,2) eq 'bc'          ~ (substr(es_text((r.data -> $1::text)), (LEAST(GREATEST($2::numeric, 0), 2147483646) + 1)::integer, LEAST(GREATEST($3::numeric, 0), 2147483647)::integer) = $4::text) ~ 'text', 1, 2, 'bc'
            year(dueDate) eq 2024                ~ (EXTRACT(YEAR FROM (es_ts(es_text((r.data -> $1::text))) AT TIME ZONE 'UTC'))::numeric = $2::numeric) ~ 'dueDate', 2024
            year(text) eq 2024                   ~ (EXTRACT(YEAR FROM (es_ts(es_text((r.data -> $1::text))) AT TIME ZONE 'UTC'))::numeric = $2::numeric) ~ 'text', 2024
            month(updatedAt) eq 5                ~ (EXTRACT(MONTH FROM (r.updated_at AT TIME ZONE 'UTC'))::numeric = $1::numeric) ~ 5
            day(updatedAt) eq 1                  ~ (EXTRACT(DAY FROM (r.updated_at AT TIME ZONE 'UTC'))::numeric = $1::numeric) ~ 1
            hour(updatedAt) eq 10                ~ (EXTRACT(HOUR FROM (r.updated_at AT TIME ZONE 'UTC'))::numeric = $1::numeric) ~ 10
            minute(updatedAt) eq 30              ~ (EXTRACT(MINUTE FROM (r.updated_at AT TIME ZONE 'UTC'))::numeric = $1::numeric) ~ 30
            second(updatedAt) eq 5               ~ (FLOOR(EXTRACT(SECOND FROM (r.updated_at AT TIME ZONE 'UTC')))::numeric = $1::numeric) ~ 5
            year(datetime'2024-05-01T10:00:00Z') eq 2024 ~ (EXTRACT(YEAR FROM ($1::timestamptz AT TIME ZONE 'UTC'))::numeric = $2::numeric) ~ ts(2024-05-01T10:00:00.000Z), 2024
            round(price) eq 2                    ~ (round(es_num((r.data -> $1::text))) = $2::numeric) ~ 'price', 2
            floor(price) eq 2                    ~ (floor(es_num((r.data -> $1::text))) = $2::numeric) ~ 'price', 2
            ceiling(price) eq 2                  ~ (ceil(es_num((r.data -> $1::text))) = $2::numeric) ~ 'price', 2
            length(text) add indexof(text,'a') gt 0 ~ ((char_length(es_text((r.data -> $1::text))) + (strpos(es_text((r.data -> $1::text)), $2::text) - 1)) > $3::numeric) ~ 'text', 'a', 0
            # arithmetic; division and modulo by zero give NULL instead of a database error
            price add 1 gt 2        ~ ((es_num((r.data -> $1::text)) + $2::numeric) > $3::numeric) ~ 'price', 1, 2
            price sub 1 gt 2        ~ ((es_num((r.data -> $1::text)) - $2::numeric) > $3::numeric) ~ 'price', 1, 2
            price mul 2 gt 2        ~ ((es_num((r.data -> $1::text)) * $2::numeric) > $3::numeric) ~ 'price', 2, 2
            price div 2 gt 1        ~ ((es_num((r.data -> $1::text)) / NULLIF($2::numeric, 0)) > $3::numeric) ~ 'price', 2, 1
            price mod 2 eq 1        ~ (MOD(es_num((r.data -> $1::text)), NULLIF($2::numeric, 0)) = $3::numeric) ~ 'price', 2, 1
            price add 2 mul 3 eq 8  ~ ((es_num((r.data -> $1::text)) + ($2::numeric * $3::numeric)) = $4::numeric) ~ 'price', 2, 3, 8
            -price lt 0             ~ ((- es_num((r.data -> $1::text))) < $2::numeric) ~ 'price', 0
            (0 sub price) gt 5      ~ (($1::numeric - es_num((r.data -> $2::text))) > $3::numeric) ~ 0, 'price', 5
            # in lists
            text in ('a','b')       ~ (es_text((r.data -> $1::text)) IN ($2::text, $3::text)) ~ 'text', 'a', 'b'
            price in (1, 2.5)       ~ (es_num((r.data -> $1::text)) IN ($2::numeric, $3::numeric)) ~ 'price', 1, 2.5
            id in ('a', 'b')        ~ (r.id IN ($1::text, $2::text)) ~ 'a', 'b'
            mystery in (1, 2)       ~ (es_num((r.data -> $1::text)) IN ($2::numeric, $3::numeric)) ~ 'mystery', 1, 2
            complete in (true)      ~ (es_bool((r.data -> $1::text)) IN ($2::boolean)) ~ 'complete', true
            updatedAt in ('2024-05-01', '2024-05-01T10:00:00+02:00') ~ (r.updated_at IN ($1::timestamptz, $2::timestamptz)) ~ ts(2024-05-01T00:00:00.000Z), ts(2024-05-01T08:00:00.000Z)
            updatedAt in ('2024-05-01T10:00:00Z', datetime'2024-05-02T00:00:00Z') ~ (r.updated_at IN ($1::timestamptz, $2::timestamptz)) ~ ts(2024-05-01T10:00:00.000Z), ts(2024-05-02T00:00:00.000Z)
            text in ('a') eq true   ~ ((es_text((r.data -> $1::text)) IN ($2::text)) = $3::boolean) ~ 'text', 'a', true
            """)
    void filterTranslatesToParameterisedSql(String filter, String expectedSql, String expectedParams) {
        // Given no bind values yet
        SqlParams params = new SqlParams();

        // When the filter is translated to SQL
        String sql = new SqlTranslator(RESOLVER, params).where(ODataParser.parseFilter(filter, LIMITS));

        // Then the SQL and its bind values are the expected ones
        assertThat(sql).isEqualTo(expectedSql);
        assertThat(render(params)).isEqualTo(expectedParams == null ? "" : expectedParams);
        // And the SQL is built from the translator's fixed vocabulary only
        assertBuiltFromFixedVocabulary(sql, params);
    }

    @Test
    void literalsAreBoundAsJavaTypesTheDriverMapsToTheCasts() {
        // Given no bind values yet
        SqlParams params = new SqlParams();

        // When a filter with a string, a decimal, a boolean and a date-time with an offset is translated
        new SqlTranslator(RESOLVER, params).where(ODataParser.parseFilter(
                "text eq 'a' and price gt 1.5M and complete eq true"
                        + " and updatedAt ge datetimeoffset'2024-05-01T12:00:00.1239999+02:00'",
                LIMITS));

        // Then the literals are bound as a String, a BigDecimal, a Boolean and an OffsetDateTime in UTC, to the
        // millisecond
        assertThat(params.values()).containsExactly("text", "a", "price", new BigDecimal("1.5"), "complete", true,
                OffsetDateTime.of(2024, 5, 1, 10, 0, 0, 123_000_000, ZoneOffset.UTC));
        assertThat(params.values().get(3)).isInstanceOf(BigDecimal.class);
        assertThat(params.values().get(5)).isInstanceOf(Boolean.class);
        assertThat(((OffsetDateTime) params.values().get(6)).getOffset()).isEqualTo(ZoneOffset.UTC);
    }

    @Test
    void placeholdersContinueAfterParametersTheCallerAddedFirst() {
        // Given a bind value the caller added first
        SqlParams params = new SqlParams();
        params.add("todoitem");

        // When a filter is translated after it
        String sql = new SqlTranslator(RESOLVER, params).where(ODataParser.parseFilter("text eq 'a'", LIMITS));

        // Then its placeholders start at $2, after the caller's
        assertThat(sql).isEqualTo("(es_text((r.data -> $2::text)) = $3::text)");
        assertThat(params.values()).containsExactly("todoitem", "text", "a");
    }

    // ---- $filter rejections

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '~', quoteCharacter = '"', textBlock = """
            nosuch eq 1                   ~ Unknown member 'nosuch' in $filter
            complete eq TRUE              ~ Unknown member 'TRUE' in $filter
            tolower(nosuch) eq 'a'        ~ Unknown member 'nosuch' in $filter
            nosuch eq null                ~ Unknown member 'nosuch' in $filter
            nosuch in (1)                 ~ Unknown member 'nosuch' in $filter
            text                          ~ Type error in $filter: the whole expression must be a boolean, found 'text' (a string)
            price                         ~ Type error in $filter: the whole expression must be a boolean, found 'price' (a number)
            updatedAt                     ~ Type error in $filter: the whole expression must be a boolean, found 'updatedAt' (a date-time)
            5                             ~ Type error in $filter: the whole expression must be a boolean, found a number
            'a'                           ~ Type error in $filter: the whole expression must be a boolean, found a string
            price add 1                   ~ Type error in $filter: the whole expression must be a boolean, found a number
            tolower(text)                 ~ Type error in $filter: the whole expression must be a boolean, found a string
            null                          ~ Type error in $filter: null can only be compared with 'eq' or 'ne'
            tolower(5) eq 'a'             ~ Type error in $filter: the arguments of 'tolower' must be a string, found a number
            'a' add 1 eq 2                ~ Type error in $filter: the operands of 'add' must be a number, found a string
            text eq 5                     ~ Type error in $filter: cannot compare a string with a number using 'eq'
            price eq 'a'                  ~ Type error in $filter: cannot compare a number with a string using 'eq'
            complete eq 1                 ~ Type error in $filter: cannot compare a boolean with a number using 'eq'
            updatedAt eq 5                ~ Type error in $filter: cannot compare a date-time with a number using 'eq'
            deleted eq 'true'             ~ Type error in $filter: cannot compare a boolean with a string using 'eq'
            price eq price eq price       ~ Type error in $filter: cannot compare a boolean with a number using 'eq'
            year(updatedAt) eq datetime'2024-01-01T00:00:00Z' ~ Type error in $filter: cannot compare a number with a date-time using 'eq'
            text gt null                  ~ Type error in $filter: null can only be compared with 'eq' or 'ne', not 'gt'
            null le 1                     ~ Type error in $filter: null can only be compared with 'eq' or 'ne', not 'le'
            tolower(null) eq 'a'          ~ Type error in $filter: null can only be compared with 'eq' or 'ne'
            updatedAt add 1 gt 0          ~ Type error in $filter: the operands of 'add' must be a number, found 'updatedAt' (a date-time)
            1 sub updatedAt gt 0          ~ Type error in $filter: the operands of 'sub' must be a number, found 'updatedAt' (a date-time)
            (text eq 'a') add 1 eq 2      ~ Type error in $filter: the operands of 'add' must be a number, found a boolean
            text and complete             ~ Type error in $filter: the operands of 'and' must be a boolean, found 'text' (a string)
            complete or price             ~ Type error in $filter: the operands of 'or' must be a boolean, found 'price' (a number)
            not text                      ~ Type error in $filter: the operand of 'not' must be a boolean, found 'text' (a string)
            -text eq 1                    ~ Type error in $filter: the operand of '-' must be a number, found 'text' (a string)
            -complete eq 1                ~ Type error in $filter: the operand of '-' must be a number, found 'complete' (a boolean)
            year(price) eq 1              ~ Type error in $filter: the arguments of 'year' must be a date-time, found 'price' (a number)
            year(5) eq 2024               ~ Type error in $filter: the arguments of 'year' must be a date-time, found a number
            year('2024') eq 2024          ~ Type error in $filter: '2024' is used as a date-time but is not one
            dueDate gt 'yesterday'        ~ Type error in $filter: 'yesterday' is used as a date-time but is not one
            updatedAt in ('2024-05', datetime'2024-05-02T00:00:00Z') ~ Type error in $filter: '2024-05' is used as a date-time but is not one
            updatedAt gt '2024-05-01T10:00:00'  ~ Type error in $filter: '2024-05-01T10:00:00' is used as a date-time but is not one
            length(5) eq 1                ~ Type error in $filter: the arguments of 'length' must be a string, found a number
            concat(text, 1) eq 'a'        ~ Type error in $filter: the arguments of 'concat' must be a string, found a number
            substring(text, 'a') eq 'b'   ~ Type error in $filter: the arguments of 'substring' must be a number, found a string
            startswith(text, 1)           ~ Type error in $filter: the arguments of 'startswith' must be a string, found a number
            substringof(complete, text)   ~ Type error in $filter: the arguments of 'substringof' must be a string, found 'complete' (a boolean)
            round('a') eq 1               ~ Type error in $filter: the arguments of 'round' must be a number, found a string
            replace(text,'a',text) eq 'b' ~ The third argument of 'replace' in $filter must be a string literal of at most 100 characters
            replace(text,'a',tolower('b')) eq 'b' ~ The third argument of 'replace' in $filter must be a string literal of at most 100 characters
            text in (1, 2)                ~ Type error in $filter: cannot compare a string with a number using 'in'
            mystery in ('a', 1)           ~ Type error in $filter: cannot compare a string with a number using 'in'
            price in ('a')                ~ Type error in $filter: cannot compare a number with a string using 'in'
            """)
    void untranslatableFilterIsRejected(String filter, String message) {
        // Given a filter that parses
        Expr parsed = ODataParser.parseFilter(filter, LIMITS);

        // When it is translated, then it is rejected with the expected message
        assertThatThrownBy(() -> new SqlTranslator(RESOLVER, new SqlParams()).where(parsed))
                .isInstanceOf(ODataException.class)
                .hasMessageStartingWith(message);
    }

    @Test
    void replaceAcceptsAReplacementOfOneHundredCharactersButNotMore() {
        // Given a replacement of one hundred characters
        String hundred = "x".repeat(100);
        SqlParams params = new SqlParams();
        // When a replace with it is translated
        new SqlTranslator(RESOLVER, params)
                .where(ODataParser.parseFilter("replace(text,'a','" + hundred + "') eq 'b'", LIMITS));
        // Then the replacement is bound as a value
        assertThat(params.values()).contains(hundred);

        // When the replacement is one character longer, then it is rejected
        Expr tooLong = ODataParser.parseFilter("replace(text,'a','" + hundred + "x') eq 'b'", LIMITS);
        assertThatThrownBy(() -> new SqlTranslator(RESOLVER, new SqlParams()).where(tooLong))
                .isInstanceOf(ODataException.class)
                .hasMessageContaining("at most 100 characters");
    }

    @Test
    void nullInAHandBuiltInListIsRejected() {
        // Given an in list built by hand, with null in it
        Expr in = new Expr.In(new Expr.Member("text"), List.of(new Expr.StringLiteral("a"), new Expr.NullLiteral()));

        // When it is translated, then it is rejected
        assertThatThrownBy(() -> new SqlTranslator(RESOLVER, new SqlParams()).where(in))
                .isInstanceOf(ODataException.class)
                .hasMessageContaining("null is not allowed in an 'in' list");
    }

    // ---- $orderby

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '~', quoteCharacter = '"', textBlock = """
            updatedAt                      ~ r.updated_at ASC ~
            updatedAt desc                 ~ r.updated_at DESC ~
            updatedAt, id desc             ~ r.updated_at ASC, r.id DESC ~
            deleted, createdAt desc, version ~ r.deleted ASC, r.created_at DESC, r.version ASC ~
            text                           ~ es_text((r.data -> $1::text)) ASC NULLS FIRST ~ 'text'
            text desc                      ~ es_text((r.data -> $1::text)) DESC NULLS LAST ~ 'text'
            price, complete desc, dueDate  ~ es_num((r.data -> $1::text)) ASC NULLS FIRST, es_bool((r.data -> $2::text)) DESC NULLS LAST, es_ts(es_text((r.data -> $3::text))) ASC NULLS FIRST ~ 'price', 'complete', 'dueDate'
            mystery desc                   ~ (r.data -> $1::text) DESC NULLS LAST ~ 'mystery'
            TITLE                          ~ es_text((r.data -> $1::text)) ASC NULLS FIRST ~ 'Title'
            text, TEXT desc                ~ es_text((r.data -> $1::text)) ASC NULLS FIRST, es_text((r.data -> $1::text)) DESC NULLS LAST ~ 'text'
            updatedAt desc, text           ~ r.updated_at DESC, es_text((r.data -> $1::text)) ASC NULLS FIRST ~ 'text'
            """)
    void orderByTranslatesSystemColumnsPlainAndUserColumnsWithNullsOrder(String orderBy, String expectedSql,
            String expectedParams) {
        // Given no bind values yet
        SqlParams params = new SqlParams();

        // When the $orderby is translated to SQL
        String sql = new SqlTranslator(RESOLVER, params).orderBy(ODataParser.parseOrderBy(orderBy, LIMITS));

        // Then the SQL and its bind values are the expected ones
        assertThat(sql).isEqualTo(expectedSql);
        assertThat(render(params)).isEqualTo(expectedParams == null ? "" : expectedParams);
        // And the SQL is built from the translator's fixed vocabulary only
        assertBuiltFromFixedVocabulary(sql, params);
    }

    @Test
    void emptyOrderByTranslatesToNothing() {
        // When an empty $orderby is translated, then the SQL is empty
        assertThat(new SqlTranslator(RESOLVER, new SqlParams()).orderBy(List.of())).isEmpty();
    }

    @Test
    void unknownOrderByMemberIsRejected() {
        // Given an $orderby with a member the table does not have
        List<OrderBy> orderBy = ODataParser.parseOrderBy("updatedAt, nosuch desc", LIMITS);

        // When it is translated, then it is rejected, naming the member
        assertThatThrownBy(() -> new SqlTranslator(RESOLVER, new SqlParams()).orderBy(orderBy))
                .isInstanceOf(ODataException.class)
                .hasMessage("Unknown member 'nosuch' in $orderby");
    }

    @Test
    void whereAndOrderByOfOneStatementShareColumnParameters() {
        // Given one translator for one statement
        SqlParams params = new SqlParams();
        SqlTranslator translator = new SqlTranslator(RESOLVER, params);

        // When it translates a filter and an order on the same column
        String where = translator.where(ODataParser.parseFilter("startswith(text,'a')", LIMITS));
        String orderBy = translator.orderBy(ODataParser.parseOrderBy("text desc", LIMITS));

        // Then both use the same placeholder for the column, bound once
        assertThat(where).isEqualTo("(starts_with(es_text((r.data -> $1::text)), $2::text))");
        assertThat(orderBy).isEqualTo("es_text((r.data -> $1::text)) DESC NULLS LAST");
        assertThat(params.values()).containsExactly("text", "a");
    }

    // ---- SQL injection: client text reaches SQL only as bind values

    static final List<String> PAYLOADS = List.of(
            "'; DROP TABLE sync_record; --",
            "' OR '1'='1",
            "' OR 1=1 --",
            "$1",
            "$1::text) OR (1=1",
            ")) OR ((1=1",
            "\\",
            "\\'; DROP TABLE sync_record; --",
            "E'\\x27'",
            "''",
            "'",
            "' || pg_sleep(10) || '",
            "*/ SELECT 1 /*",
            "$$; DROP TABLE sync_record; $$",
            "\u0000",
            "a\u0000b",
            "\r\n; DROP TABLE sync_record",
            "ünïcødé ✓ 𝄞 中文",
            "\u02bc OR 1=1 --",
            "\uff07 OR 1=1 --",
            "\u202e'; DROP TABLE sync_record; --",
            "%27%20OR%201%3D1",
            "text eq 'a') or (1 eq 1",
            "2024-05-01T10:00:00Z'; DROP TABLE sync_record; --",
            "6f9619ff-8b86-d011-b42d-00c04fc964ff'; DROP TABLE sync_record; --");

    /** Templates whose {@code %s} is a string literal's content: the payload is escaped by quote doubling. */
    static final List<String> STRING_LITERAL_TEMPLATES = List.of(
            "text eq '%s'",
            "'%s' eq text",
            "id eq '%s'",
            "mystery eq '%s'",
            "tolower(text) eq '%s'",
            "startswith(text,'%s')",
            "endswith(text,'%s')",
            "substringof('%s',text)",
            "contains(text,'%s')",
            "indexof(text,'%s') ge 0",
            "concat(text,'%s') eq 'x'",
            "replace(text,'%s','%s') eq 'x'",
            "text in ('a','%s')",
            "not (text ne '%s')");

    /** Templates where the payload is inserted raw and may break out of its literal or position. */
    static final List<String> RAW_TEMPLATES = List.of(
            "text eq '%s'",
            "updatedAt ge datetime'%s'",
            "updatedAt ge datetimeoffset'%s'",
            "id eq guid'%s'",
            "updatedAt gt cast(%s,Edm.DateTimeOffset)",
            "updatedAt gt cast('%s',Edm.DateTimeOffset)",
            "dueDate eq cast(%s,Edm.Date)",
            "id eq cast(%s,Edm.Guid)",
            "id eq cast('%s',Edm.Guid)",
            "startTime eq cast('%s',Edm.TimeOfDay)",
            "updatedAt ge '%s'",
            "text in (%s)",
            "text in ('a',%s)",
            "tolower(%s) eq 'a'",
            "startswith(text,%s)",
            "%s eq 1",
            "text eq %s",
            "price eq %s",
            "%s");

    static Stream<Arguments> escapedPayloads() {
        return STRING_LITERAL_TEMPLATES.stream()
                .flatMap(template -> PAYLOADS.stream().map(payload -> Arguments.of(template, payload)));
    }

    @ParameterizedTest(name = "{0} <- {1}")
    @MethodSource("escapedPayloads")
    void injectionInAStringLiteralIsOnlyEverABindValue(String template, String payload) {
        // Given a filter with the payload in a string literal, escaped by quote doubling
        String filter = template.replace("%s", payload.replace("'", "''"));
        SqlParams params = new SqlParams();

        // When the filter is parsed and translated
        Throwable thrown = catchThrowable(() -> new SqlTranslator(RESOLVER, params)
                .where(ODataParser.parseFilter(filter, LIMITS)));

        // Then a payload with U+0000 in it is rejected, naming the character
        if (payload.indexOf('\u0000') >= 0) {
            assertThat(thrown).isInstanceOf(ODataException.class).hasMessageContaining("U+0000");
            return;
        }
        // And any other payload translates, and is bound as a value
        assertThat(thrown).isNull();
        assertThat(params.values()).contains(payload);
    }

    static Stream<Arguments> rawPayloads() {
        return RAW_TEMPLATES.stream()
                .flatMap(template -> PAYLOADS.stream().map(payload -> Arguments.of(template, payload)));
    }

    @ParameterizedTest(name = "{0} <- {1}")
    @MethodSource("rawPayloads")
    void injectionAnywhereInAFilterIsRejectedOrBound(String template, String payload) {
        // Given a filter with the payload put in raw, where it may break out of its literal or position
        String filter = template.replace("%s", payload);
        SqlParams params = new SqlParams();
        AtomicReference<String> sql = new AtomicReference<>();

        // When the filter is parsed and translated
        Throwable thrown = catchThrowable(() -> sql.set(new SqlTranslator(RESOLVER, params)
                .where(ODataParser.parseFilter(filter, LIMITS))));

        // Then if it is rejected, it is with an OData error whose message is safe to show a client
        if (thrown != null) {
            assertThat(thrown).isInstanceOf(ODataException.class);
            ODataParserTest.assertClientSafe(thrown.getMessage());
            return;
        }
        // And if it is not, the SQL is built from the fixed vocabulary only, without the payload in it
        assertBuiltFromFixedVocabulary(sql.get(), params);
        assertPayloadNotInSql(sql.get(), payload);
    }

    static Stream<String> payloads() {
        return PAYLOADS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("payloads")
    void injectionInOrderByAndSelectIsRejected(String payload) {
        // When the payload is put in an $orderby, alone, after a member, as a direction or before one, then it is
        // rejected
        for (String orderBy : List.of(payload, "text," + payload, "text " + payload, payload + " desc")) {
            assertThat(catchThrowable(() -> ODataParser.parseOrderBy(orderBy, LIMITS)))
                    .as("$orderby=%s", orderBy)
                    .isInstanceOf(ODataException.class);
        }
        // And when it is a member of a $select, alone or after another, it is rejected too
        for (String select : List.of(payload, "text," + payload)) {
            assertThat(catchThrowable(() -> ODataParser.parseSelect(select, LIMITS)))
                    .as("$select=%s", select)
                    .isInstanceOf(ODataException.class);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("payloads")
    void userColumnNamesOnlyEverReachSqlAsBindValues(String payload) {
        // Given a resolver that knows any name, as a table with a dynamic schema could after a device wrote odd keys
        ColumnResolver anything = member -> Optional.of(ResolvedColumn.user(member, ValueType.STRING));
        SqlParams params = new SqlParams();
        SqlTranslator translator = new SqlTranslator(anything, params);

        // When a filter and an order on a column named as the payload are translated
        String where = translator.where(new Expr.Binary(Expr.BinaryOp.EQ, new Expr.Member(payload),
                new Expr.StringLiteral("x")));
        String orderBy = translator.orderBy(List.of(new OrderBy(payload, true)));

        // Then the name is only ever a bind value
        assertThat(params.values()).containsExactly(payload, "x");
        // And the SQL is built from the fixed vocabulary only, without the payload in it
        assertBuiltFromFixedVocabulary(where, params);
        assertBuiltFromFixedVocabulary(orderBy, params);
        assertPayloadNotInSql(where + orderBy, payload);
    }

    @Test
    void unknownMemberNamedLikeAnInjectionIsRejected() {
        // Given a filter on a member named like an injection, which the table does not have
        Expr filter = new Expr.Binary(Expr.BinaryOp.EQ, new Expr.Member("x'; DROP TABLE sync_record; --"),
                new Expr.NumberLiteral(BigDecimal.ONE));

        // When it is translated, then it is rejected as an unknown member
        assertThatThrownBy(() -> new SqlTranslator(RESOLVER, new SqlParams()).where(filter))
                .isInstanceOf(ODataException.class)
                .hasMessage("Unknown member 'x'; DROP TABLE sync_record; --' in $filter");
    }

    // ---- robustness

    @Test
    void randomFiltersTranslateOrFailWithODataExceptionOnly() {
        // Given 10,000 random inputs from a fixed seed
        Random random = new Random(7);
        int translated = 0;
        for (int i = 0; i < 10_000; i++) {
            String filter = ODataParserTest.randomInput(random);
            SqlParams params = new SqlParams();
            AtomicReference<String> sql = new AtomicReference<>();
            // When each is parsed and translated
            Throwable thrown = catchThrowable(() -> sql.set(new SqlTranslator(RESOLVER, params)
                    .where(ODataParser.parseFilter(filter, LIMITS))));
            // Then it either fails with an OData error whose message is safe to show a client, or translates to SQL
            // built from the fixed vocabulary only
            if (thrown != null) {
                assertThat(thrown).as("filter %s", filter).isInstanceOf(ODataException.class);
                ODataParserTest.assertClientSafe(thrown.getMessage());
            } else {
                assertBuiltFromFixedVocabulary(sql.get(), params);
                translated++;
            }
        }
        // And some of them translate
        assertThat(translated).as("some random filters are valid").isPositive();
    }

    static Stream<Arguments> longChains() {
        return Stream.of(
                Arguments.of("or", chain("text eq 'a'", " or ", 4096)),
                Arguments.of("and", chain("complete", " and ", 4096)),
                Arguments.of("add", chain("1", " add ", 4090) + " eq 1"),
                Arguments.of("eq", chain("complete", " eq ", 4096)),
                Arguments.of("in", chain("complete in (true)", " eq true in (true) eq ", 4000)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("longChains")
    void longestFilterOfChainedOperatorsTranslatesOnASmallStack(String operator, String filter) throws Exception {
        // Given a chain of one operator as long as a filter may be
        assertThat(filter.length()).isLessThanOrEqualTo(LIMITS.maxLength());

        // When it is translated on a thread with a quarter of the usual stack
        String sql = onSmallStack(() -> new SqlTranslator(RESOLVER, new SqlParams())
                .where(ODataParser.parseFilter(filter, LIMITS)));

        // Then it translates to SQL
        assertThat(sql).startsWith("(");
    }

    @Test
    void handBuiltChainFarDeeperThanAnyQueryTranslatesOnASmallStack() throws Exception {
        // Given a chain of 3,000 ors built by hand, far deeper than any query
        Expr chain = new Expr.Member("complete");
        for (int i = 0; i < 3000; i++) {
            chain = new Expr.Binary(Expr.BinaryOp.OR, chain, new Expr.Member("deleted"));
        }
        Expr filter = chain;

        // When it is translated on a small stack
        String sql = onSmallStack(() -> new SqlTranslator(RESOLVER, new SqlParams()).where(filter));

        // Then it translates, ending with the last or
        assertThat(sql).endsWith(" OR r.deleted)");
    }

    @Test
    void deepestNestingTheParserAllowsTranslates() throws Exception {
        // Given a filter nested as deep as the parser allows: 10 parentheses + 10 not + startswith + 11 tolower = 32
        // levels
        String filter = "(".repeat(10) + "not ".repeat(10) + "startswith(" + "tolower(".repeat(11) + "text"
                + ")".repeat(11) + ",'a')" + ")".repeat(10);
        // And one level more is too deep for the parser
        assertThatThrownBy(() -> ODataParser.parseFilter("(" + filter + ")", LIMITS))
                .hasMessageContaining("maxDepth");

        // When the filter is translated on a small stack
        String sql = onSmallStack(() -> new SqlTranslator(RESOLVER, new SqlParams())
                .where(ODataParser.parseFilter(filter, LIMITS)));

        // Then it translates to SQL
        assertThat(sql).contains("starts_with");
    }

    // ---- helpers

    private static String chain(String operand, String operator, int maxLength) {
        StringBuilder s = new StringBuilder(operand);
        while (s.length() + operator.length() + operand.length() <= maxLength) {
            s.append(operator).append(operand);
        }
        return s.toString();
    }

    /** Runs on a thread with a quarter of the usual stack, so that any recursion proportional to length shows. */
    private static String onSmallStack(Supplier<String> task) throws InterruptedException {
        AtomicReference<Object> result = new AtomicReference<>();
        Thread thread = new Thread(null, () -> {
            try {
                result.set(task.get());
            } catch (Throwable t) {
                result.set(t);
            }
        }, "small-stack", 256 * 1024);
        thread.start();
        thread.join();
        if (result.get() instanceof Throwable t) {
            fail("translation failed on a small stack", t);
        }
        return (String) result.get();
    }

    static String render(SqlParams params) {
        return params.values().stream().map(SqlTranslatorTest::renderValue).collect(Collectors.joining(", "));
    }

    private static String renderValue(Object value) {
        if (value instanceof String s) {
            return "'" + s + "'";
        }
        if (value instanceof OffsetDateTime t) {
            assertThat(t.getOffset()).isEqualTo(ZoneOffset.UTC);
            return "ts(" + INSTANT.format(t) + ")";
        }
        assertThat(value).isInstanceOfAny(BigDecimal.class, Boolean.class);
        return value.toString();
    }

    private static final Pattern SQL_TOKEN = Pattern.compile("\\s+|\\$(\\d+)::(?:text|numeric|boolean|timestamptz)"
            + "|'null'|'UTC'|::(?:numeric|integer)|r\\.(?:data|id|created_at|updated_at|version|deleted)(?![\\w.])"
            + "|([A-Za-z_]+)|(\\d+)|<>|>=|<=|\\|\\||->|[()=<>+\\-*/,]");

    private static final Set<String> SQL_WORDS = Set.of("AND", "OR", "NOT", "IS", "NULL", "IN", "COALESCE",
            "jsonb_typeof", "es_text", "es_num", "es_bool", "es_ts", "lower", "upper", "btrim", "char_length",
            "strpos", "starts_with", "right", "es_replace", "es_concat", "substr", "LEAST", "GREATEST", "EXTRACT",
            "FROM", "AT",
            "TIME", "ZONE", "YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND", "FLOOR", "floor", "ceil", "round",
            "MOD", "NULLIF", "ASC", "DESC", "NULLS", "FIRST", "LAST");

    private static final Set<String> SQL_NUMBERS = Set.of("0", "1", "2147483646", "2147483647");

    /**
     * Asserts that the SQL consists of nothing but the translator's fixed vocabulary and placeholders, and that the
     * placeholders are exactly $1..$n of the parameters: whatever the client sent, it can only be in the parameters.
     */
    static void assertBuiltFromFixedVocabulary(String sql, SqlParams params) {
        Matcher m = SQL_TOKEN.matcher(sql);
        Set<Integer> placeholders = new TreeSet<>();
        int pos = 0;
        while (pos < sql.length()) {
            m.region(pos, sql.length());
            if (!m.lookingAt()) {
                fail("unexpected SQL text at " + pos + " in: " + sql);
            }
            if (m.group(1) != null) {
                placeholders.add(Integer.parseInt(m.group(1)));
            }
            if (m.group(2) != null) {
                assertThat(SQL_WORDS).as("word in %s", sql).contains(m.group(2));
            }
            if (m.group(3) != null) {
                assertThat(SQL_NUMBERS).as("number in %s", sql).contains(m.group(3));
            }
            pos = m.end();
        }
        for (int n : placeholders) {
            assertThat(n).as("placeholder in %s", sql).isBetween(1, params.size());
        }
    }

    private static void assertPayloadNotInSql(String sql, String payload) {
        // "$1" and other payloads made only of SQL vocabulary are covered by the vocabulary check.
        if (payload.length() >= 3 && !payload.matches("\\$\\d+")) {
            assertThat(sql).doesNotContain(payload);
        }
    }
}
