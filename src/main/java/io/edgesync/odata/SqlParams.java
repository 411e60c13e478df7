package io.edgesync.odata;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The bind parameters of one SQL statement, numbered {@code $1, $2, ...} as the Vert.x PostgreSQL client expects.
 * Client text only ever reaches SQL through here.
 */
public final class SqlParams {

    private final List<Object> values = new ArrayList<>();

    /** Adds a value and returns its placeholder ({@code $n}). */
    public String add(Object value) {
        values.add(value);
        return "$" + values.size();
    }

    public List<Object> values() {
        return Collections.unmodifiableList(values);
    }

    public int size() {
        return values.size();
    }
}
