package io.edgesync.scope;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgesync.config.EdgeSyncConfig;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An edge's scopes come from configuration, and one that cannot be evaluated exactly stops the start with its key. */
class EdgeScopesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static EdgeScopes scopes(Map<String, String> properties) {
        Map<String, String> all = new HashMap<>(properties);
        all.putIfAbsent("edgesync.role", "edge");
        EdgeSyncConfig config = new SmallRyeConfigBuilder().withMapping(EdgeSyncConfig.class)
                .addDefaultSources()
                .withSources(new PropertiesConfigSource(all, "test", 500))
                .build()
                .getConfigMapping(EdgeSyncConfig.class);
        return new EdgeScopes(config);
    }

    @Test
    void everyTableHoldsEverythingByDefault() {
        // Given no scope configured
        EdgeScopes scopes = scopes(Map.of("edgesync.tables.declared.shop.columns.region", "string"));

        // Then declared and other tables hold all rows
        assertThat(scopes.of("shop")).isInstanceOf(EdgeScopes.All.class);
        assertThat(scopes.of("anything")).isInstanceOf(EdgeScopes.All.class);
        assertThat(scopes.holdsEverything()).isTrue();
    }

    @Test
    void aDeclaredFilterAppliesToItsTableAndTheDefaultToTheOthers() {
        // Given a declared table with its own filter and a default for the others
        EdgeScopes scopes = scopes(Map.of(
                "edgesync.tables.declared.Shop.columns.storeId", "number",
                "edgesync.tables.declared.Shop.edge-scope", "storeId in (12, 13)",
                "edgesync.tables.declared.plain.columns.x", "string",
                "edgesync.tables.default-edge-scope", "region eq 'north'"));

        // Then each table's rows are matched by its own scope (table names in any case, id included)
        EdgeScopes.Filter shop = (EdgeScopes.Filter) scopes.of("shop");
        assertThat(shop.matches("a", JSON.createObjectNode().put("storeId", 12))).isTrue();
        assertThat(shop.matches("a", JSON.createObjectNode().put("storeId", 14))).isFalse();
        assertThat(shop.matches("a", JSON.createObjectNode())).isFalse();
        EdgeScopes.Filter other = (EdgeScopes.Filter) scopes.of("todoitem");
        assertThat(other.matches("a", JSON.createObjectNode().put("region", "north"))).isTrue();
        assertThat(other.matches("a", JSON.createObjectNode().put("region", "North"))).isFalse();
        // And a declared table without a scope of its own takes the default
        assertThat(scopes.of("plain").text()).isEqualTo("region eq 'north'");
        assertThat(scopes.holdsEverything()).isFalse();
        // And a filter may name the id
        EdgeScopes.Filter byId = (EdgeScopes.Filter) scopes(
                Map.of("edgesync.tables.default-edge-scope", "startswith(id, 'n-')")).of("t");
        assertThat(byId.matches("n-1", JSON.createObjectNode())).isTrue();
        assertThat(byId.matches("s-1", JSON.createObjectNode())).isFalse();
    }

    @Test
    void aScopeThatCannotBeHeldStopsTheStartWithItsKey() {
        // A system column other than id differs from edge to edge
        assertThatThrownBy(
                () -> scopes(Map.of("edgesync.tables.default-edge-scope", "updatedAt gt 2026-01-01T00:00:00Z")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("edgesync.tables.default-edge-scope")
                .hasMessageContaining("user columns and id");
        // Not a filter at all
        assertThatThrownBy(() -> scopes(Map.of("edgesync.tables.declared.shop.edge-scope", "region eq")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("edgesync.tables.declared.shop.edge-scope");
        // Something the in-memory evaluation cannot match exactly
        assertThatThrownBy(() -> scopes(Map.of("edgesync.tables.declared.shop.columns.n", "number",
                "edgesync.tables.declared.shop.edge-scope", "n div 2 eq 1")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("div");
        // Blank
        assertThatThrownBy(() -> scopes(Map.of("edgesync.tables.default-edge-scope", " ")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("empty");
    }
}
