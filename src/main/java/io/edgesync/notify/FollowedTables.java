package io.edgesync.notify;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import io.edgesync.cache.TableCatalog;
import io.edgesync.cache.TableInfo;
import io.edgesync.common.DomainException;

/**
 * The tables a change stream follows: named ones, matched case-insensitively, or all of them. Tables need not exist
 * yet: a device may follow a table that its first write will create.
 */
public final class FollowedTables {

    /** Most tables one stream may name. */
    static final int MAX_TABLES = 256;

    private static final FollowedTables ALL = new FollowedTables(Set.of());

    /** Lookup keys of the named tables; empty means all. */
    private final Set<String> keys;

    private FollowedTables(Set<String> keys) {
        this.keys = keys;
    }

    /** Every table. */
    public static FollowedTables all() {
        return ALL;
    }

    /**
     * Parses the {@code tables} query parameter: comma-separated table names, possibly repeated. Absent means all
     * tables; present but empty, an empty or an invalid name is a 400.
     */
    public static FollowedTables parse(List<String> parameters) {
        if (parameters == null || parameters.isEmpty()) {
            return ALL;
        }
        Set<String> keys = new TreeSet<>();
        for (String parameter : parameters) {
            for (String name : parameter.split(",", -1)) {
                keys.add(validKey(name.strip()));
            }
        }
        if (keys.size() > MAX_TABLES) {
            throw DomainException.invalid("A stream follows at most " + MAX_TABLES + " tables");
        }
        return new FollowedTables(Set.copyOf(keys));
    }

    /** Whether a change of {@code table} concerns this stream. */
    public boolean includes(String table) {
        return keys.isEmpty() || keys.contains(TableInfo.key(table));
    }

    public boolean allTables() {
        return keys.isEmpty();
    }

    /** The followed tables' lookup keys, sorted; empty when all tables are followed. */
    public List<String> tables() {
        return new ArrayList<>(new TreeSet<>(keys));
    }

    private static String validKey(String name) {
        if (name.isEmpty()) {
            throw DomainException.invalid("tables must list table names separated by commas");
        }
        if (!TableCatalog.TABLE_NAME.matcher(name).matches()) {
            throw DomainException.invalid(TableCatalog.INVALID_TABLE_NAME);
        }
        return TableInfo.key(name);
    }

    @Override
    public String toString() {
        return keys.isEmpty() ? "all tables" : String.join(",", tables());
    }
}
