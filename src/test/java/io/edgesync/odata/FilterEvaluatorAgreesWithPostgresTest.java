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
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.embedded.EmbeddedPostgresServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Differential test: for every filter, the rows {@link FilterEvaluator} matches in memory are exactly the rows that
 * PostgreSQL returns for {@link SqlTranslator}'s WHERE over the same rows. The database is created with the "C"
 * collation and character type, as CloudNativePG creates the edge database.
 */
class FilterEvaluatorAgreesWithPostgresTest {

    private static final ODataLimits LIMITS = ODataLimits.defaults();
    private static final String TABLE = "scoped";

    /** A sync table with system columns and a user column of every type. */
    private static final Map<String, ResolvedColumn> COLUMNS = Stream.of(
            ResolvedColumn.system("id", ValueType.STRING, "r.id"),
            ResolvedColumn.system("createdAt", ValueType.DATETIME, "r.created_at"),
            ResolvedColumn.system("updatedAt", ValueType.DATETIME, "r.updated_at"),
            ResolvedColumn.system("version", ValueType.STRING, "r.version"),
            ResolvedColumn.system("deleted", ValueType.BOOLEAN, "r.deleted"),
            ResolvedColumn.user("region", ValueType.STRING),
            ResolvedColumn.user("name", ValueType.STRING),
            ResolvedColumn.user("storeId", ValueType.NUMBER),
            ResolvedColumn.user("price", ValueType.NUMBER),
            ResolvedColumn.user("active", ValueType.BOOLEAN),
            ResolvedColumn.user("dueDate", ValueType.DATETIME),
            ResolvedColumn.user("mystery", ValueType.UNKNOWN))
            .collect(Collectors.toMap(c -> c.name().toLowerCase(Locale.ROOT), c -> c));

    static final ColumnResolver RESOLVER = member -> Optional.ofNullable(COLUMNS.get(member.toLowerCase(Locale.ROOT)));

    /** The fixture: id to user data (JSON text, kept exactly as written), in id order. */
    private static final Map<String, String> ROWS = new LinkedHashMap<>();

    static {
        ROWS.put("r01", "{\"region\":\"north\",\"name\":\"abc\",\"storeId\":12,\"price\":10,\"active\":true,"
                + "\"dueDate\":\"2024-05-01T10:00:00.123Z\",\"mystery\":\"x\"}");
        ROWS.put("r02", "{\"region\":\"North\",\"name\":\"Abd\",\"storeId\":13,\"price\":2.5,\"active\":false,"
                + "\"dueDate\":\"2023-01-15T00:00:00.000Z\",\"mystery\":5}");
        ROWS.put("r03", "{\"region\":\"Ärger\",\"name\":\"zebra\",\"storeId\":-7,\"price\":-0.5,\"active\":null,"
                + "\"dueDate\":null,\"mystery\":true}");
        ROWS.put("r04", "{\"region\":\"\",\"name\":\"  padded  \",\"storeId\":123456789012345678901234567890,"
                + "\"price\":0.1,\"dueDate\":\"2024-05-01T10:00:00.124Z\"}");
        ROWS.put("r05", "{}");
        // values of the wrong JSON type for their column
        ROWS.put("r06", "{\"region\":42,\"name\":true,\"storeId\":\"12\",\"price\":true,\"active\":\"yes\","
                + "\"dueDate\":42,\"mystery\":[1]}");
        ROWS.put("r07", "{\"region\":\"zebra\",\"name\":\"ÄRGER\",\"storeId\":0,\"price\":1e2,\"active\":true,"
                + "\"dueDate\":\"1969-12-31T23:59:59.999Z\",\"mystery\":\"2024-05-01T10:00:00.000Z\"}");
        ROWS.put("r08", "{\"region\":\"south\",\"name\":\"it's 100%\",\"storeId\":14,\"price\":99999999999.999,"
                + "\"dueDate\":\"2024-02-29T12:30:45.500+02:00\",\"mystery\":null}");
        ROWS.put("r09", "{\"region\":\"éclair\",\"name\":\"a\uD83D\uDE00b\",\"storeId\":1,\"price\":-123.456,"
                + "\"active\":false,\"dueDate\":\"2024-05-01T10:00:00Z\"}");
        ROWS.put("r10", "{\"region\":\"north \",\"name\":\"\",\"storeId\":13,\"price\":3,\"dueDate\":\"not a date\","
                + "\"mystery\":2.5}");
        ROWS.put("r11", "{\"region\":\"NORTH\",\"name\":\"naïve\",\"storeId\":12.0,\"price\":0,"
                + "\"dueDate\":\"2024-02-30T00:00:00Z\"}");
        // U+FB01 sorts before U+1F600 by code point but after it in UTF-16
        ROWS.put("r12", "{\"region\":\"\uFB01\",\"name\":\"\uD83D\uDE00\",\"storeId\":-1E3,\"price\":1.50e1,"
                + "\"active\":true,\"dueDate\":\"2024-05-01T08:00:00.123-02:00\",\"mystery\":\"north\"}");
        ROWS.put("r13", "{\"region\":2.50,\"name\":\"Zebra\",\"storeId\":13,\"price\":-3.5,\"active\":false,"
                + "\"mystery\":{\"a\":1}}");
    }

    private static final String[] FILTERS = {
            // comparisons on strings, numbers, booleans
            "region eq 'north'", "region ne 'north'", "region eq 'North'", "region eq ''", "name eq ''",
            "storeId in (12, 13)", "storeId in (12.0, -7)", "storeId eq 12", "storeId ne 12", "storeId gt 12",
            "storeId ge 13", "storeId lt 0", "storeId le -7", "storeId gt 123456789012345678901234567889",
            "storeId eq -1000", "price gt 2.5", "price ge 2.50", "price lt 0", "price le -0.5", "price eq 0.1",
            "price eq 100", "price eq 1E2", "price eq 15", "price ne 0", "price gt -1E300", "price lt 1E-300",
            "active", "not active", "active eq true", "active eq false", "active ne true", "not (active eq true)",
            "active gt false", "active le false",
            // nulls, missing columns and values of the wrong type
            "active eq null", "active ne null", "region eq null", "region ne null", "mystery eq null",
            "mystery ne null", "price eq null", "storeId eq null", "dueDate eq null", "dueDate ne null",
            "null eq region", "storeId gt 0 or storeId le 0", "not (storeId gt 0 or storeId le 0)",
            "(region eq 'north') eq null", "(region eq 'north') eq false", "'a' eq null", "null eq null",
            "null ne null", "deleted eq null", "id eq null", "id ne null", "region eq '42'", "region eq '2.50'",
            "region in ('42', '2.5')", "name eq 'true'",
            // string order (code points) with case and non-ASCII
            "region gt 'north'", "region lt 'north'", "region ge 'Z'", "region gt 'zebra'", "region lt 'Ärger'",
            "region gt 'z'", "region lt '\uD83D\uDE00'", "region gt '\uFB01'", "region le '\uFB01'",
            "name gt 'a'", "name le 'ÄRGER'", "name lt 'Z'", "name ge 'zebra'", "id lt 'r05'",
            "id in ('r01', 'r02')", "region in ('north', 'Ärger', '')",
            // string functions
            "tolower(region) eq 'north'", "toupper(region) eq 'NORTH'", "tolower(name) eq 'ärger'",
            "tolower(name) eq 'Ärger'", "toupper(region) eq 'ÄRGER'", "toupper(region) eq 'ÉCLAIR'",
            "toupper(name) eq 'NAÏVE'", "toupper(name) eq 'NAïVE'", "startswith(region, 'nor')",
            "startswith(tolower(region), 'nor')", "endswith(region, 'th')", "endswith(name, '')",
            "startswith(name, '')", "contains(name, 'b')", "contains(name, '\uD83D\uDE00')",
            "substringof('e', region)", "contains(region, '')", "length(name) eq 3", "length(name) eq 0",
            "length(region) gt 4", "length(name) eq 3 and length(region) eq 5", "indexof(name, 'b') eq 1",
            "indexof(name, 'b') eq 2", "indexof(name, 'zz') eq -1", "indexof(name, '') eq 0",
            "trim(name) eq 'padded'", "trim(region) eq 'north'", "length(trim(name)) eq 6",
            "substring(name, 1) eq 'bc'", "substring(name, 1, 1) eq '\uD83D\uDE00'",
            "substring(name, 0, 2) eq 'a\uD83D\uDE00'", "substring(name, -1, -5) eq ''",
            "substring(name, 1.5) eq 'c'", "substring(name, 2.5, 1) eq 'c'", "substring(name, 1.49) eq 'bc'",
            "substring(region, price) eq region", "substring(name, storeId, 1) eq 'b'",
            "substring(name, 99999999999) eq ''", "substring(name, 0, 99999999999) eq name",
            "concat(region, name) eq 'northabc'", "concat(region, '!') eq 'north!'", "concat(name, region) eq '42'",
            "replace(name, 'b', 'B') eq 'aBc'", "replace(name, '', 'x') eq name", "replace(region, 'r', '') eq 'noth'",
            // arithmetic on numbers
            "price add 1 eq 11", "price sub 0.5 eq 2", "price mul 2 eq 5", "price mul 0.1 eq 1", "-price lt -5",
            "-price eq 0.5", "price mod 3 eq 1", "price mod 0 eq 0", "price mod 0 eq null", "storeId mod 5 eq -2",
            "storeId mod 5 eq 2", "storeId mod 0.7 eq 0.1", "price mod -3 eq -0.5",
            "length(name) add indexof(name, 'b') eq 4", "length(name) mul 2 eq 6", "length(name) sub 0.5 eq 2.5",
            "-length(name) eq -3", "length(name) mod 2 eq 1", "storeId mul storeId gt 1E59",
            "storeId add 0.000000000000000000001 gt 12", "round(price) eq 3", "round(price) eq -1",
            "round(price) eq -123", "floor(price) eq -1", "ceiling(price) eq 0", "floor(price) eq -124",
            "ceiling(-price) eq 124", "round(2.5) eq 3 and round(-2.5) eq -3",
            // date-times
            "year(dueDate) eq 2024", "month(dueDate) eq 2", "day(dueDate) eq 29", "hour(dueDate) eq 10",
            "minute(dueDate) eq 30", "second(dueDate) eq 45", "year(dueDate) eq 1969",
            "dueDate lt 2024-01-01T00:00:00Z",
            "dueDate ge datetime'2024-05-01T10:00:00.123Z'", "dueDate eq datetimeoffset'2024-05-01T10:00:00.123Z'",
            "dueDate gt datetimeoffset'2024-05-01T10:00:00.1235Z'", "dueDate eq '2024-02-29T10:30:45.5Z'",
            "dueDate in ('2024-05-01T10:00:00Z', 2023-01-15T00:00:00Z)", "dueDate lt '1970-01-01'",
            "dueDate eq datetimeoffset'2024-05-01T12:00:00.123+02:00'", "updatedAt gt 2024-01-01T00:00:00Z",
            "createdAt le updatedAt", "createdAt lt updatedAt", "hour(updatedAt) eq 9",
            // columns of unknown type, typed by what they are compared with
            "mystery eq 'x'", "mystery eq 5", "mystery eq true", "mystery in (5, 2.5)", "mystery",
            "mystery eq datetime'2024-05-01T10:00:00Z'", "mystery gt 'w'", "mystery lt 3", "not mystery",
            // logic
            "deleted", "not deleted and region eq 'north'", "not (region eq 'north')", "not (region ne 'north')",
            "startswith(region, 'n') eq false", "region eq 'north' or storeId eq 13",
            "region eq 'north' and storeId eq 13", "region eq 'north' or price gt 1000",
            "not (region eq 'north' or active)", "not (region eq 'north' and active)", "active or not active",
            "active and not active", "not (active or not active)", "true", "false", "not true",
            "(active eq true) ne (price gt 5)", "(active eq true) eq (price gt 5)", "region eq 'north' eq true"};

    private static Path directory;
    private static EmbeddedPostgresServer postgres;
    private static Connection connection;
    private static final Map<String, ObjectNode> EXACT_ROWS = new LinkedHashMap<>();
    /**
     * The row with a number written with trailing zeros in a string column ("2.50"): only an exact parse keeps them, so
     * it is left out of the rows parsed with doubles (documented on FilterEvaluator).
     */
    private static final String WRITTEN_SCALE_ROW = "r13";
    private static final Map<String, ObjectNode> DOUBLE_ROWS = new LinkedHashMap<>();

    @BeforeAll
    static void startPostgresWithACLocaleDatabase() throws Exception {
        directory = Files.createTempDirectory("edgesync-scope-test-");
        postgres = EmbeddedPostgresServer.start(directory.resolve("postgres"), 0);
        try (Connection admin = DriverManager.getConnection(postgres.jdbcUrl("postgres"), EmbeddedPostgresServer.USER,
                "");
                Statement statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE scope_c TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C'"
                    + " LC_CTYPE 'C'");
        }
        connection = DriverManager.getConnection(postgres.jdbcUrl("scope_c"), EmbeddedPostgresServer.USER, "");
        try (Statement statement = connection.createStatement()) {
            statement.execute(migration());
            statement.execute("INSERT INTO sync_table (name, display_name) VALUES ('" + TABLE + "', '" + TABLE
                    + "')");
        }
        ObjectMapper exact = JsonMapper.builder()
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
                .build();
        ObjectMapper doubles = new ObjectMapper();
        int n = 0;
        for (Map.Entry<String, String> row : ROWS.entrySet()) {
            n++;
            String created = String.format(Locale.ROOT, "2024-03-%02dT09:00:00.000Z", n);
            String updated = n % 3 == 0 ? created : String.format(Locale.ROOT, "2024-04-%02dT09:%02d:00.500Z", n, n);
            boolean deleted = n == 13;
            insert(row.getKey(), row.getValue(), created, updated, deleted);
            EXACT_ROWS.put(row.getKey(), withSystemColumns(exact, row, created, updated, deleted));
            if (!row.getKey().equals(WRITTEN_SCALE_ROW)) {
                DOUBLE_ROWS.put(row.getKey(), withSystemColumns(doubles, row, created, updated, deleted));
            }
        }
    }

    private static ObjectNode withSystemColumns(ObjectMapper mapper, Map.Entry<String, String> row, String created,
            String updated, boolean deleted) throws IOException {
        ObjectNode node = (ObjectNode) mapper.readTree(row.getValue());
        node.put("id", row.getKey()).put("createdAt", created).put("updatedAt", updated).put("version", "v");
        node.put("deleted", deleted);
        return node;
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

    static Stream<String> filters() {
        return Stream.of(FILTERS);
    }

    @Test
    void theDatabaseUsesTheCLocaleAndTheFilterListIsLong() throws SQLException {
        // Given the database the filters run on
        // When its collation and character type are read
        List<String> locale = query("SELECT datcollate || ' ' || datctype FROM pg_database"
                + " WHERE datname = current_database()", new SqlParams());

        // Then both are "C", as on the edge database, and there are many filters to compare
        assertThat(locale).containsExactly("C C");
        assertThat(FILTERS).hasSizeGreaterThan(60);
    }

    @Test
    void floorOfAnIntegerIsFloatingPointInPostgres() throws SQLException {
        // Given floor() of an integer, which the evaluator refuses
        // When PostgreSQL types it
        List<String> type = query("SELECT pg_typeof(floor(char_length('abc')))::text", new SqlParams());

        // Then it is computed in floating point, not numeric
        assertThat(type).containsExactly("double precision");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("filters")
    void evaluatorMatchesTheRowsPostgresReturns(String filter) throws SQLException {
        // Given a filter the evaluator supports
        Expr expr = ODataParser.parseFilter(filter, LIMITS);
        FilterEvaluator evaluator = FilterEvaluator.of(expr, RESOLVER);

        // When PostgreSQL runs its translation and the evaluator reads the same rows in memory
        List<String> fromSql = sqlIds(expr);

        // Then both select the same rows, from exactly parsed rows
        assertThat(memoryIds(evaluator, EXACT_ROWS)).as("$filter=" + filter).isEqualTo(fromSql);
        // And from rows parsed with doubles, but for the one whose written trailing zeros a double loses
        assertThat(memoryIds(evaluator, DOUBLE_ROWS)).as("$filter=" + filter + " (doubles)")
                .isEqualTo(fromSql.stream().filter(id -> !id.equals(WRITTEN_SCALE_ROW)).toList());
    }

    @Test
    void randomSupportedFiltersAgreeWithPostgres() throws SQLException {
        // Given 1,500 random filters from the supported grammar, from a fixed seed
        Random random = new Random(20_240_501);
        int compared = 0;
        for (int i = 0; i < 1_500; i++) {
            String filter = new RandomFilter(random).bool(4);
            Expr expr;
            FilterEvaluator evaluator;
            // When each filter the evaluator accepts is run both ways
            try {
                expr = ODataParser.parseFilter(filter, LIMITS);
                evaluator = FilterEvaluator.of(expr, RESOLVER);
            } catch (ODataException e) {
                continue;
            }
            // Then the evaluator selects exactly the rows PostgreSQL returns
            assertThat(memoryIds(evaluator, EXACT_ROWS)).as("$filter=" + filter).isEqualTo(sqlIds(expr));
            compared++;
        }
        // And most of them were compared
        assertThat(compared).as("filters compared").isGreaterThan(1_000);
    }

    // ---- helpers

    /** Random filters from the supported grammar over the fixture's columns, with edge-case literals. */
    private record RandomFilter(Random random) {

        private static final String[] NUMBERS = {"0", "1", "-1", "2.5", "0.1", "-0.5", "12", "13", "3", "1E2",
                "0.0000001", "99999999999.999", "-123.456", "123456789012345678901234567890", "1.5M", "7d"};
        private static final String[] STRINGS = {"''", "'a'", "'north'", "'North'", "'NORTH'", "'Ärger'", "'ärger'",
                "'zebra'", "'Z'", "' '", "'\uFB01'", "'\uD83D\uDE00'", "'b'", "'42'", "'it''s 100%'", "'%'"};
        private static final String[] DATES = {"datetime'2024-05-01T10:00:00Z'",
                "datetimeoffset'2024-05-01T10:00:00.123Z'", "2023-01-15T00:00:00.000Z", "'2024-02-29'",
                "datetimeoffset'1969-12-31T23:59:59.999+00:00'", "cast(2024-05-01T10:00:00.124Z,Edm.DateTimeOffset)"};
        private static final String[] COMPARE = {"eq", "ne", "gt", "ge", "lt", "le"};

        String bool(int depth) {
            int choice = random.nextInt(depth <= 0 ? 3 : 11);
            return switch (choice) {
                case 0 -> pick("active", "deleted", "mystery", "true", "false");
                case 1 -> str(depth - 1) + " " + pick(COMPARE) + " " + str(depth - 1);
                case 2 -> num(depth - 1) + " " + pick(COMPARE) + " " + num(depth - 1);
                case 3 -> date() + " " + pick(COMPARE) + " " + date();
                case 4 -> "not " + bool(depth - 1);
                case 5 -> "(" + bool(depth - 1) + ") " + pick("and", "or") + " (" + bool(depth - 1) + ")";
                case 6 -> pick("startswith", "endswith", "contains", "substringof") + "(" + str(depth - 1) + ","
                        + str(depth - 1) + ")";
                case 7 -> pick("region", "name", "mystery", "price", "storeId", "dueDate", "active", "id",
                        "tolower(region)", "price add 1", "(active eq true)") + " " + pick("eq", "ne") + " null";
                case 8 -> str(depth - 1) + " in (" + pick(STRINGS) + "," + pick(STRINGS) + ")";
                case 9 -> num(depth - 1) + " in (" + pick(NUMBERS) + "," + pick(NUMBERS) + ")";
                default -> "(" + bool(depth - 1) + ") " + pick("eq", "ne") + " (" + bool(depth - 1) + ")";
            };
        }

        String str(int depth) {
            int choice = random.nextInt(depth <= 0 ? 2 : 8);
            return switch (choice) {
                case 0 -> pick("region", "name", "id", "mystery", "version");
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
                case 0 -> pick("price", "storeId", "mystery");
                case 1 -> pick(NUMBERS);
                case 2 -> "length(" + str(depth - 1) + ")";
                case 3 -> "indexof(" + str(depth - 1) + "," + str(depth - 1) + ")";
                case 4 -> pick("year", "month", "day", "hour", "minute", "second") + "(" + date() + ")";
                case 5 -> pick("round", "floor", "ceiling") + "(" + pick("price", "storeId", "-0.5", "2.5") + ")";
                case 6 -> num(depth - 1) + " " + pick("add", "sub", "mul", "mod") + " " + num(depth - 1);
                case 7 -> "-" + num(depth - 1);
                default -> "(" + num(depth - 1) + ")";
            };
        }

        String date() {
            return random.nextBoolean() ? pick("updatedAt", "createdAt", "dueDate", "mystery") : pick(DATES);
        }

        private String pick(String... options) {
            return options[random.nextInt(options.length)];
        }
    }

    private static List<String> memoryIds(FilterEvaluator evaluator, Map<String, ObjectNode> rows) {
        return rows.entrySet()
                .stream()
                .filter(row -> evaluator.matches(row.getValue()))
                .map(Map.Entry::getKey)
                .toList();
    }

    private static List<String> sqlIds(Expr expr) throws SQLException {
        SqlParams params = new SqlParams();
        String table = params.add(TABLE);
        String where = new SqlTranslator(RESOLVER, params).where(expr);
        return query("SELECT r.id FROM sync_record r WHERE r.table_name = " + table + "::text AND " + where
                + " ORDER BY r.id", params);
    }

    private static List<String> query(String sql, SqlParams params) throws SQLException {
        return TranslatedQueries.query(connection, sql, params);
    }

    private static void insert(String id, String data, String createdAt, String updatedAt, boolean deleted)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("INSERT INTO sync_record (table_name, id, data,"
                + " created_at, updated_at, version, deleted, change_seq) VALUES (?, ?, ?::jsonb,"
                + " ?::timestamptz, ?::timestamptz, 'v', ?, nextval('sync_version_seq'))")) {
            statement.setString(1, TABLE);
            statement.setString(2, id);
            statement.setString(3, data);
            statement.setString(4, createdAt);
            statement.setString(5, updatedAt);
            statement.setBoolean(6, deleted);
            statement.executeUpdate();
        }
    }

    /** The records schema and the bounded string functions the translation calls. */
    private static String migration() throws IOException {
        StringBuilder sql = new StringBuilder();
        for (String script : List.of("V2__records.sql", "V106__bounded_string_functions.sql")) {
            try (InputStream in = FilterEvaluatorAgreesWithPostgresTest.class
                    .getResourceAsStream("/db/migration/" + script)) {
                sql.append(new String(in.readAllBytes(), StandardCharsets.UTF_8)).append('\n');
            }
        }
        return sql.toString();
    }
}
