package io.edgesync.odata;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs what the translator wrote on PostgreSQL through JDBC, for the tests that compare answers with the database. */
final class TranslatedQueries {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$(\\d+)");

    private TranslatedQueries() {
    }

    /**
     * Runs SQL with {@code $n} placeholders (JDBC wants {@code ?} in order of appearance) and returns the first column
     * of every row.
     */
    static List<String> query(Connection connection, String sql, SqlParams params) throws SQLException {
        Matcher m = PLACEHOLDER.matcher(sql);
        List<Object> binds = new ArrayList<>();
        StringBuilder jdbc = new StringBuilder();
        while (m.find()) {
            binds.add(params.values().get(Integer.parseInt(m.group(1)) - 1));
            m.appendReplacement(jdbc, "?");
        }
        m.appendTail(jdbc);
        try (PreparedStatement statement = connection.prepareStatement(jdbc.toString())) {
            for (int i = 0; i < binds.size(); i++) {
                Object value = binds.get(i);
                if (value instanceof BigDecimal || value instanceof Boolean || value instanceof OffsetDateTime) {
                    statement.setObject(i + 1, value);
                } else {
                    statement.setString(i + 1, (String) value);
                }
            }
            List<String> rows = new ArrayList<>();
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    rows.add(result.getString(1));
                }
            }
            return rows;
        }
    }
}
