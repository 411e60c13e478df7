package io.edgesync.scope;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import io.edgesync.cache.TableInfo;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.odata.ColumnResolver;
import io.edgesync.odata.Expr;
import io.edgesync.odata.FilterEvaluator;
import io.edgesync.odata.ODataException;
import io.edgesync.odata.ODataLimits;
import io.edgesync.odata.ODataParser;
import io.quarkus.runtime.StartupEvent;

/**
 * Which rows of each table this edge holds ({@code edgesync.tables.declared.<table>.edge-scope}, else
 * {@code edgesync.tables.default-edge-scope}): all of them, those of the users who came through this edge, or those
 * matching a filter. Every scope is parsed and checked when the application starts, so a scope that cannot be evaluated
 * exactly as PostgreSQL would stops the start with the setting that names it.
 */
@ApplicationScoped
public class EdgeScopes {

    /** The keyword of the scope that holds every row. */
    public static final String ALL = "all";

    /** The keyword of the scope that holds the rows of the users who came through this edge. */
    public static final String OWNERS = "owners";

    /** The rows of a table that this edge holds. */
    public sealed interface Scope permits All, Owners, Filter {

        /** The scope as configured: {@code all}, or the filter's text. */
        String text();
    }

    /** Every row (the default). */
    public record All() implements Scope {
        @Override
        public String text() {
            return ALL;
        }
    }

    /** The rows of the users who have pulled or written through this edge (and the rows of nobody). */
    public record Owners() implements Scope {
        @Override
        public String text() {
            return OWNERS;
        }
    }

    /**
     * The rows matching an OData filter over user columns and {@code id}.
     *
     * @param text the filter as configured: what identifies the scope (a new text is a new scope)
     * @param expr the parsed filter, for central's SQL
     */
    public record Filter(String text, Expr expr, FilterEvaluator evaluator) implements Scope {

        /**
         * Whether the row with these user columns matches, evaluated in memory. A row the filter cannot decide exactly
         * as PostgreSQL would (a date-time text PostgreSQL may read otherwise, an overflow) counts as matching: an edge
         * keeps a row rather than drop one it should hold.
         */
        public boolean matches(String id, ObjectNode columns) {
            TextNode idValue = TextNode.valueOf(id);
            try {
                // (the id next to the user columns, without copying them)
                return evaluator.matches(column -> TableInfo.ID.equals(column) ? idValue : columns.get(column));
            } catch (ODataException e) {
                return true;
            }
        }
    }

    private static final All EVERYTHING = new All();
    private static final Owners USERS_HERE = new Owners();

    private final Map<String, Scope> declared = new LinkedHashMap<>();
    private final Scope fallback;

    public EdgeScopes(EdgeSyncConfig config) {
        EdgeSyncConfig.Tables tables = config.tables();
        ODataLimits limits = config.limits().odata();
        this.fallback = parse("edgesync.tables.default-edge-scope", tables.defaultEdgeScope(),
                TableInfo.asConfigured("any", Optional.empty()), limits);
        tables.declared().forEach((table, declaration) -> {
            String key = "edgesync.tables.declared." + table + ".edge-scope";
            Scope scope = declaration.edgeScope()
                    .map(text -> parse(key, text, TableInfo.asConfigured(table, Optional.of(declaration)), limits))
                    .orElse(fallback);
            if (scope instanceof Owners && !declaration.perUser()) {
                throw new IllegalStateException((declaration.edgeScope().isPresent()
                        ? key
                        : "edgesync.tables.default-edge-scope") + "='owners' cannot hold table " + table
                        + ": its rows are shared (per-user=false), not the rows of users; use 'all' or a filter");
            }
            declared.put(TableInfo.key(table), scope);
        });
    }

    /** Builds this bean when the application starts, so that a scope that cannot be evaluated stops the start. */
    void checkAtStart(@Observes StartupEvent event) {
        // the constructor has parsed and checked every configured scope
    }

    /** The scope of a table (any case). */
    public Scope of(String table) {
        return declared.getOrDefault(TableInfo.key(table), fallback);
    }

    /** The scope of every declared table, by lookup key. */
    public Map<String, Scope> declaredScopes() {
        return Map.copyOf(declared);
    }

    /** The scope of the tables that are not declared. */
    public Scope defaultScope() {
        return fallback;
    }

    /** Whether some table's scope is {@code owners}. */
    public boolean holdsOwners() {
        return fallback instanceof Owners || declared.values().stream().anyMatch(Owners.class::isInstance);
    }

    /** Whether every table's scope is {@code all}: nothing to filter anywhere. */
    public boolean holdsEverything() {
        return fallback instanceof All && declared.values().stream().allMatch(All.class::isInstance);
    }

    private static Scope parse(String key, String text, TableInfo table, ODataLimits limits) {
        String trimmed = text.strip();
        if (trimmed.equalsIgnoreCase(ALL)) {
            return EVERYTHING;
        }
        if (trimmed.equalsIgnoreCase(OWNERS)) {
            return USERS_HERE;
        }
        if (trimmed.isEmpty()) {
            throw new IllegalStateException(key + " is empty: set 'all' or an OData filter");
        }
        ColumnResolver userColumnsAndId = member -> TableInfo.isSystemProperty(member)
                && !member.equalsIgnoreCase(TableInfo.ID) ? Optional.empty() : table.resolver().resolve(member);
        try {
            Expr expr = ODataParser.parseFilter(trimmed, limits);
            return new Filter(trimmed, expr, FilterEvaluator.of(expr, userColumnsAndId));
        } catch (ODataException e) {
            throw new IllegalStateException(key + "='" + trimmed + "' is not a scope this edge can hold: "
                    + e.getMessage() + " (a scope is 'all', 'owners' or an OData filter over the table's user columns"
                    + " and id, without div and without comparing two columns of undeclared type)", e);
        }
    }
}
