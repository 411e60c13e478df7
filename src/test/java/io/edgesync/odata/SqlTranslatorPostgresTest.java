package io.edgesync.odata;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgesync.embedded.EmbeddedPostgresServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs translated SQL on a real PostgreSQL with the V2 schema: the SQL must be valid, every placeholder's type must
 * resolve, the rows must be the right ones, and values of an unexpected type must never fail a query.
 */
class SqlTranslatorPostgresTest {

    private static final ODataLimits LIMITS = ODataLimits.defaults();

    /** The string values of the "text" column in the fixture. */
    private static final Map<String, String> TEXTS = Map.of("a1", "abc", "a2", "Abd", "a3", "xyz", "a6", "it's 100%",
            "a7", "'; DROP TABLE sync_record; --");

    private static Path directory;
    private static EmbeddedPostgresServer postgres;
    private static Connection connection;

    @BeforeAll
    static void startPostgresWithTheSchema() throws Exception {
        directory = Files.createTempDirectory("edgesync-odata-test-");
        postgres = EmbeddedPostgresServer.start(directory.resolve("postgres"), 0);
        connection = DriverManager.getConnection(postgres.jdbcUrl("postgres"), EmbeddedPostgresServer.USER, "");
        try (Statement statement = connection.createStatement()) {
            statement.execute(migration());
            statement.execute("INSERT INTO sync_table (name, display_name) VALUES ('todoitem', 'todoitem')");
        }
        insert("a1", "{\"text\":\"abc\",\"complete\":false,\"price\":10,\"dueDate\":\"2024-05-01T10:00:00.000Z\","
                + "\"mystery\":\"x\"}", "2024-05-01T10:00:00.000Z", false);
        insert("a2", "{\"text\":\"Abd\",\"complete\":true,\"price\":2.5,\"dueDate\":\"2023-01-15T00:00:00Z\","
                + "\"mystery\":5}", "2024-05-01T10:00:00.001Z", false);
        // a3 holds values of the wrong type: they must read as NULL, never fail the query
        insert("a3", "{\"text\":\"xyz\",\"complete\":\"yes\",\"price\":\"oops\",\"dueDate\":42,\"mystery\":true}",
                "1969-12-31T08:00:00.000Z", true);
        insert("a4", "{\"text\":null,\"complete\":null}", "2020-01-01T00:00:00.000Z", false);
        insert("a5", "{}", "2021-01-01T00:00:00.000Z", false);
        insert("a6", "{\"text\":\"it's 100%\",\"price\":0,\"dueDate\":\"not a date\"}", "2022-01-01T00:00:00.000Z",
                false);
        insert("a7", "{\"text\":\"'; DROP TABLE sync_record; --\"}", "2022-06-01T00:00:00.000Z", false);
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (connection != null) {
            connection.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        if (directory != null) {
            try (Stream<Path> paths = Files.walk(directory)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '~', quoteCharacter = '"', textBlock = """
            (updatedAt ge datetimeoffset'2024-05-01T10:00:00.000Z')          ~ a1 a2
            (updatedAt ge datetimeoffset'2024-05-01T10:00:00.0009999Z')      ~ a1 a2
            (updatedAt gt cast(2024-05-01T10:00:00.000Z,Edm.DateTimeOffset)) ~ a2
            (updatedAt ge datetimeoffset'1969-12-31T08:00:00.000Z')          ~ a1 a2 a3 a4 a5 a6 a7
            (updatedAt gt datetimeoffset'1969-12-31T08:00:00.000Z')          ~ a1 a2 a4 a5 a6 a7
            (updatedAt ge datetimeoffset'1970-01-01T00:00:00.0000000+00:00') ~ a1 a2 a4 a5 a6 a7
            (updatedAt ge datetime'2020-01-01T00:00:00.0000000Z')            ~ a1 a2 a4 a5 a6 a7
            updatedAt lt '2020-01-01'                                        ~ a3
            updatedAt in ('2020-01-01', datetime'2021-01-01T00:00:00Z')      ~ a4 a5
            substringof('ab',text)                           ~ a1
            startswith(tolower(text),'ab')                   ~ a1 a2
            not complete                                     ~ a1
            complete                                         ~ a2
            (complete eq false) and (indexof(text,'b') ge 0) ~ a1
            contains(text,'ab')                              ~ a1
            contains(text,'%')                               ~ a6
            text in ('abc','xyz')                            ~ a1 a3
            text eq null                                     ~ a4 a5
            text ne null                                     ~ a1 a2 a3 a6 a7
            complete eq null                                 ~ a4 a5 a6 a7
            price eq null                                    ~ a4 a5 a7
            id eq null                                       ~
            price gt 5                                       ~ a1
            price div 0 eq 1                                 ~
            price mod 0 eq 1                                 ~
            price div 4 eq 2.5                               ~ a1
            price mod 3 eq 1                                 ~ a1
            price add 0.5 eq 3                               ~ a2
            price mul 2 eq 5                                 ~ a2
            price sub 10 eq 0                                ~ a1
            -price lt -5                                     ~ a1
            (0 sub price) lt -5                              ~ a1
            price in (0, 2.5)                                ~ a2 a6
            round(price) eq 3                                ~ a2
            floor(price) eq 2                                ~ a2
            ceiling(price) eq 3                              ~ a2
            mystery eq 'x'                                   ~ a1
            mystery eq 5                                     ~ a2
            mystery eq true                                  ~ a3
            mystery in (5, 6)                                ~ a2
            year(dueDate) eq 2024                            ~ a1
            dueDate lt datetime'2024-01-01T00:00:00Z'        ~ a2
            month(dueDate) eq 1                              ~ a2
            text gt datetime'2000-01-01T00:00:00Z'           ~
            year(text) eq 2024                               ~
            month(updatedAt) eq 12                           ~ a3
            day(updatedAt) eq 31                             ~ a3
            hour(updatedAt) eq 8                             ~ a3
            minute(updatedAt) eq 0                           ~ a1 a2 a3 a4 a5 a6 a7
            second(updatedAt) eq 0                           ~ a1 a2 a3 a4 a5 a6 a7
            year(datetime'2024-05-01T10:00:00Z') eq 2024     ~ a1 a2 a3 a4 a5 a6 a7
            endswith(text,'bd')                              ~ a2
            endswith(text,'')                                ~ a1 a2 a3 a6 a7
            startswith(text,'a') eq false                    ~ a2 a3 a6 a7
            length(text) eq 3                                ~ a1 a2 a3
            indexof(text,'c') eq 2                           ~ a1
            substring(text,1) eq 'bc'                        ~ a1
            substring(text,1,1) eq 'b'                       ~ a1 a2
            substring(text,-1,-5) eq ''                      ~ a1 a2 a3 a6 a7
            substring(text,99999999999) eq ''                ~ a1 a2 a3 a6 a7
            substring(text,0,99999999999) eq text            ~ a1 a2 a3 a6 a7
            substring(text,1.5) eq 'c'                       ~ a1
            concat(text,'!') eq 'abc!'                       ~ a1
            replace(text,'b','B') eq 'aBc'                   ~ a1
            trim(concat(' ',text)) eq 'abc'                  ~ a1
            toupper(text) eq 'ABC'                           ~ a1
            length(text) add indexof(text,'b') eq 4          ~ a1 a2
            text eq 'it''s 100%'                             ~ a6
            text eq '''; DROP TABLE sync_record; --'         ~ a7
            deleted                                          ~ a3
            not deleted and price ge 0                       ~ a1 a2 a6
            id in ('a1', 'a2')                               ~ a1 a2
            id eq guid'6f9619ff-8b86-d011-b42d-00c04fc964ff' ~
            null eq null                                     ~ a1 a2 a3 a4 a5 a6 a7
            true                                             ~ a1 a2 a3 a4 a5 a6 a7
            """)
    void filterSelectsTheRightRows(String filter, String expectedIds) throws SQLException {
        // When the filter is translated to SQL for the todoitem table
        SqlParams params = new SqlParams();
        String table = params.add("todoitem");
        String where = new SqlTranslator(SqlTranslatorTest.RESOLVER, params)
                .where(ODataParser.parseFilter(filter, LIMITS));

        // And that SQL runs on the seven fixture rows in PostgreSQL
        List<String> ids = query("SELECT r.id FROM sync_record r WHERE r.table_name = " + table + "::text AND "
                + where + " ORDER BY r.id", params);

        // Then it selects exactly the expected rows
        assertThat(ids).containsExactlyElementsOf(expected(expectedIds));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '~', textBlock = """
            updatedAt                ~ a3 a4 a5 a6 a7 a1 a2
            updatedAt desc           ~ a2 a1 a7 a6 a5 a4 a3
            price desc               ~ a1 a2 a6 a3 a4 a5 a7
            price                    ~ a3 a4 a5 a7 a6 a2 a1
            complete, deleted desc   ~ a3 a4 a5 a6 a7 a1 a2
            dueDate desc             ~ a1 a2 a3 a4 a5 a6 a7
            mystery desc             ~ a3 a2 a1 a4 a5 a6 a7
            """)
    void orderByOrdersRowsWithNullsAsTheSmallestValues(String orderBy, String expectedIds) throws SQLException {
        // When the $orderby is translated to SQL
        SqlParams params = new SqlParams();
        String order = new SqlTranslator(SqlTranslatorTest.RESOLVER, params)
                .orderBy(ODataParser.parseOrderBy(orderBy, LIMITS));

        // And the fixture rows are read in that order, ties broken by id
        List<String> ids = query("SELECT r.id FROM sync_record r ORDER BY " + order + ", r.id", params);

        // Then they come in the expected order, nulls as the smallest values
        assertThat(ids).containsExactlyElementsOf(expected(expectedIds));
    }

    static Stream<String> injectionPayloads() {
        return SqlTranslatorTest.PAYLOADS.stream().filter(p -> p.indexOf('\u0000') < 0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("injectionPayloads")
    void injectionPayloadIsComparedAsPlainText(String payload) throws SQLException {
        // When a filter compares the text with an injection payload, for equality and with contains
        SqlParams params = new SqlParams();
        String where = new SqlTranslator(SqlTranslatorTest.RESOLVER, params).where(ODataParser.parseFilter(
                "text eq '" + payload.replace("'", "''") + "' or contains(text, '" + payload.replace("'", "''")
                        + "')",
                LIMITS));

        // And that SQL runs on the fixture rows
        List<String> ids = query("SELECT r.id FROM sync_record r WHERE " + where + " ORDER BY r.id", params);

        // Then it selects exactly the rows whose text contains the payload as plain text
        List<String> expected = TEXTS.entrySet()
                .stream()
                .filter(row -> row.getValue().contains(payload))
                .map(Map.Entry::getKey)
                .sorted()
                .toList();
        assertThat(ids).isEqualTo(expected);
        // And all seven rows are still there
        assertThat(query("SELECT count(*)::text FROM sync_record r", new SqlParams())).containsExactly("7");
    }

    @Test
    void randomWellFormedFiltersNeverFailInTheDatabase() throws SQLException {
        // Given 1,500 random filters from the grammar, from a fixed seed
        Random random = new Random(11);
        int executed = 0;
        for (int i = 0; i < 1_500; i++) {
            String filter = new RandomFilter(random).bool(4);
            SqlParams params = new SqlParams();
            String where;
            // When each is translated to SQL, skipping those refused as invalid OData
            try {
                where = new SqlTranslator(SqlTranslatorTest.RESOLVER, params)
                        .where(ODataParser.parseFilter(filter, LIMITS));
            } catch (ODataException e) {
                continue;
            }
            // Then its SQL runs in the database without failing
            try {
                query("SELECT r.id FROM sync_record r WHERE " + where, params);
            } catch (SQLException e) {
                throw new AssertionError("$filter=" + filter + " gave SQL " + where + " that failed: " + e.getMessage(),
                        e);
            }
            executed++;
        }
        // And more than 1,000 of them were run
        assertThat(executed).as("filters executed").isGreaterThan(1_000);
    }

    @Test
    void thePullIndexServesTheIncrementalPullCondition() throws SQLException {
        // Given the incremental pull's condition and order, translated to SQL for the todoitem table
        SqlParams params = new SqlParams();
        String table = params.add("todoitem");
        String where = new SqlTranslator(SqlTranslatorTest.RESOLVER, params).where(ODataParser.parseFilter(
                "(updatedAt ge datetimeoffset'2024-05-01T10:00:00.000Z')", LIMITS));
        String order = new SqlTranslator(SqlTranslatorTest.RESOLVER, params)
                .orderBy(ODataParser.parseOrderBy("updatedAt", LIMITS));
        // And sequential scans turned off
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET enable_seqscan = off");
        }
        try {
            // When PostgreSQL plans the pull
            List<String> plan = query("EXPLAIN SELECT r.id FROM sync_record r WHERE r.table_name = " + table
                    + "::text AND " + where + " ORDER BY " + order + ", r.id", params);

            // Then the plan uses the pull index on updatedAt
            assertThat(String.join("\n", plan)).contains("sync_record_updated_at");
        } finally {
            try (Statement statement = connection.createStatement()) {
                statement.execute("RESET enable_seqscan");
            }
        }
    }

    // ---- helpers

    /** Random filters from the grammar, mostly well typed, with edge-case literals. */
    private record RandomFilter(Random random) {

        private static final String[] NUMBERS = {"0", "1", "-1", "2.5", "0.0000001", "1E300", "-1E300", "1E-300",
                "99999999999", "-99999999999", "2147483647", "2147483648", "123L", "1.5f", "1.5M", "7d"};
        private static final String[] STRINGS = {"''", "'a'", "'%'", "'_'", "'\\'", "'it''s'", "'ünï ✓'",
                "'2024-05-01T10:00:00Z'", "'$1'"};
        private static final String[] DATES = {"datetime'2024-05-01T10:00:00Z'",
                "datetimeoffset'1969-12-31T08:00:00.000Z'", "datetimeoffset'1970-01-01T00:00:00.0000000+00:00'",
                "cast(2024-05-01T10:00:00.000Z,Edm.DateTimeOffset)", "cast(2024-05-01,Edm.Date)",
                "2024-01-01T00:00:00.000Z", "datetime'0001-01-01T00:00:00Z'", "datetime'9999-12-31T23:59:59.999Z'"};

        String bool(int depth) {
            int choice = random.nextInt(depth <= 0 ? 4 : 12);
            return switch (choice) {
                case 0 -> pick("complete", "deleted", "mystery", "true", "false");
                case 1 -> str(depth - 1) + " " + pick("eq", "ne", "gt", "ge", "lt", "le") + " " + str(depth - 1);
                case 2 -> num(depth - 1) + " " + pick("eq", "ne", "gt", "ge", "lt", "le") + " " + num(depth - 1);
                case 3 -> date() + " " + pick("eq", "ne", "gt", "ge", "lt", "le") + " " + date();
                case 4 -> "not " + bool(depth - 1);
                case 5 -> "(" + bool(depth - 1) + ") " + pick("and", "or") + " (" + bool(depth - 1) + ")";
                case 6 -> pick("startswith", "endswith", "contains", "substringof") + "(" + str(depth - 1) + ","
                        + str(depth - 1) + ")";
                case 7 -> pick("text", "mystery", "price", "dueDate", "complete", "id") + " " + pick("eq", "ne")
                        + " null";
                case 8 -> str(depth - 1) + " in (" + pick(STRINGS) + "," + pick(STRINGS) + ")";
                case 9 -> num(depth - 1) + " in (" + pick(NUMBERS) + "," + pick(NUMBERS) + ")";
                case 10 -> bool(depth - 1) + " eq " + bool(depth - 1);
                default -> "(" + bool(depth - 1) + ")";
            };
        }

        String str(int depth) {
            int choice = random.nextInt(depth <= 0 ? 2 : 8);
            return switch (choice) {
                case 0 -> pick("text", "id", "Title", "mystery", "version");
                case 1 -> pick(STRINGS);
                case 2 -> pick("tolower", "toupper", "trim") + "(" + str(depth - 1) + ")";
                case 3 -> "concat(" + str(depth - 1) + "," + str(depth - 1) + ")";
                case 4 -> "substring(" + str(depth - 1) + "," + num(depth - 1) + ")";
                case 5 -> "substring(" + str(depth - 1) + "," + num(depth - 1) + "," + num(depth - 1) + ")";
                case 6 -> "replace(" + str(depth - 1) + "," + str(depth - 1) + "," + pick(STRINGS) + ")";
                default -> "(" + str(depth - 1) + ")";
            };
        }

        String num(int depth) {
            int choice = random.nextInt(depth <= 0 ? 2 : 9);
            return switch (choice) {
                case 0 -> pick("price", "mystery");
                case 1 -> pick(NUMBERS);
                case 2 -> "length(" + str(depth - 1) + ")";
                case 3 -> "indexof(" + str(depth - 1) + "," + str(depth - 1) + ")";
                case 4 -> pick("year", "month", "day", "hour", "minute", "second") + "(" + date() + ")";
                case 5 -> pick("round", "floor", "ceiling") + "(" + num(depth - 1) + ")";
                case 6 -> num(depth - 1) + " " + pick("add", "sub", "mul", "div", "mod") + " " + num(depth - 1);
                case 7 -> "-" + num(depth - 1);
                default -> "(" + num(depth - 1) + ")";
            };
        }

        String date() {
            return random.nextBoolean() ? pick("updatedAt", "createdAt", "dueDate", "mystery", "text") : pick(DATES);
        }

        private String pick(String... options) {
            return options[random.nextInt(options.length)];
        }
    }

    private static List<String> expected(String ids) {
        return ids == null ? List.of() : Arrays.asList(ids.trim().split("\\s+"));
    }

    private static List<String> query(String sql, SqlParams params) throws SQLException {
        return TranslatedQueries.query(connection, sql, params);
    }

    private static void insert(String id, String data, String updatedAt, boolean deleted) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("INSERT INTO sync_record (table_name, id, data,"
                + " created_at, updated_at, version, deleted, change_seq) VALUES ('todoitem', ?, ?::jsonb,"
                + " ?::timestamptz, ?::timestamptz, 'v', ?, nextval('sync_version_seq'))")) {
            statement.setString(1, id);
            statement.setString(2, data);
            statement.setString(3, updatedAt);
            statement.setString(4, updatedAt);
            statement.setBoolean(5, deleted);
            statement.executeUpdate();
        }
    }

    /** The records schema and the bounded string functions the translation calls. */
    private static String migration() throws IOException {
        StringBuilder sql = new StringBuilder();
        for (String script : List.of("V2__records.sql", "V106__bounded_string_functions.sql")) {
            try (InputStream in = SqlTranslatorPostgresTest.class.getResourceAsStream("/db/migration/" + script)) {
                sql.append(new String(in.readAllBytes(), StandardCharsets.UTF_8)).append('\n');
            }
        }
        return sql.toString();
    }
}
