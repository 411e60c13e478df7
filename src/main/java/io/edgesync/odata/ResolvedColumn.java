package io.edgesync.odata;

import java.util.Optional;

/**
 * A member of an OData expression resolved against a table.
 *
 * @param name the canonical name (system properties: {@code id}, {@code createdAt}, {@code updatedAt}, {@code version},
 *     {@code deleted}; user columns: the case in which the column was first created)
 * @param type its type
 * @param systemSql for a system property, the SQL of its physical column (e.g. {@code r.updated_at}); empty for a user
 *     column, whose value lives in the JSONB document {@code r.data} under key {@link #name()}
 */
public record ResolvedColumn(String name, ValueType type, Optional<String> systemSql) {

    public static ResolvedColumn system(String name, ValueType type, String sql) {
        return new ResolvedColumn(name, type, Optional.of(sql));
    }

    public static ResolvedColumn user(String name, ValueType type) {
        return new ResolvedColumn(name, type, Optional.empty());
    }

    public boolean isSystem() {
        return systemSql.isPresent();
    }
}
