package io.edgesync.conflict;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.literal.NamedLiteral;

import io.edgesync.cache.TableInfo;
import io.edgesync.config.EdgeSyncConfig;
import io.quarkus.runtime.StartupEvent;

/** Which conflict policy each table uses, from configuration. */
@ApplicationScoped
public class ConflictPolicies {

    private final EdgeSyncConfig.Tables config;
    private final Instance<ConflictPolicy> customPolicies;
    private final Map<String, NamedPolicy> byTable = new ConcurrentHashMap<>();

    /** A policy and the name it is configured by (logged with every conflict). */
    public record NamedPolicy(String name, ConflictPolicy policy) {
    }

    public ConflictPolicies(EdgeSyncConfig config, @Any Instance<ConflictPolicy> customPolicies) {
        this.config = config.tables();
        this.customPolicies = customPolicies;
        // Fail at start-up on a misspelt policy rather than at the first conflict.
        validate("edgesync.tables.default-conflict-policy", "the default policy",
                this.config.defaultConflictPolicy());
        validate("edgesync.tables.merge-fallback", "the merge fallback", this.config.mergeFallback());
        this.config.declared()
                .forEach((table, declared) -> declared.conflictPolicy()
                        .ifPresent(name -> validate("edgesync.tables.declared." + table + ".conflict-policy",
                                "table " + table, name)));
    }

    /**
     * Builds this bean when the application starts, so that a policy that does not exist stops the start (with the
     * setting and the table that name it) instead of failing every conflict of the table with a 500.
     */
    void checkAtStart(@Observes StartupEvent event) {
        // the constructor has validated every configured policy
    }

    private void validate(String key, String what, String name) {
        try {
            policyNamed(name, !key.equals("edgesync.tables.merge-fallback"));
        } catch (IllegalStateException e) {
            throw new IllegalStateException("Conflict policy of " + what + " (" + key + "=" + name + "): "
                    + e.getMessage(), e);
        }
    }

    /** The policy of a table. */
    public NamedPolicy forTable(String table) {
        return byTable.computeIfAbsent(TableInfo.key(table), key -> {
            String name = declaredPolicy(key).orElse(config.defaultConflictPolicy());
            return new NamedPolicy(name, policyNamed(name, true));
        });
    }

    /**
     * Whether the table's policy needs the record at a change's base version (a three-way merge), so that the versions
     * of its records are kept as merge bases.
     */
    public boolean keepsVersions(String table) {
        return forTable(table).policy().needsBase();
    }

    /** Whether the table parks later operations of a device behind a failed one. */
    public boolean stopOnConflict(String table) {
        return config.declaredTable(table).map(EdgeSyncConfig.DeclaredTable::stopOnConflict).orElse(false);
    }

    private Optional<String> declaredPolicy(String key) {
        return config.declaredTable(key).flatMap(EdgeSyncConfig.DeclaredTable::conflictPolicy);
    }

    private ConflictPolicy policyNamed(String name, boolean allowMerge) {
        String normalized = name.trim().toLowerCase(Locale.ROOT);
        return switch (normalized) {
            case "server-wins" -> BuiltInPolicies.SERVER_WINS;
            case "client-wins" -> BuiltInPolicies.CLIENT_WINS;
            case "last-writer-wins" -> BuiltInPolicies.LAST_WRITER_WINS;
            case "merge" -> {
                if (!allowMerge) {
                    throw new IllegalStateException("the merge fallback decides where a merge cannot: it cannot be"
                            + " merge itself");
                }
                yield BuiltInPolicies.merge(policyNamed(config.mergeFallback(), false));
            }
            default -> customPolicy(name, normalized);
        };
    }

    private ConflictPolicy customPolicy(String name, String normalized) {
        if (normalized.startsWith("custom:")) {
            String bean = name.trim().substring("custom:".length());
            Instance<ConflictPolicy> custom = customPolicies.select(NamedLiteral.of(bean));
            if (custom.isResolvable()) {
                return custom.get();
            }
            throw new IllegalStateException("no bean named '" + bean + "' implements "
                    + ConflictPolicy.class.getName() + ": a custom policy is a CDI bean, a class annotated"
                    + " with a scope (@ApplicationScoped) and @Named(\"" + bean + "\") that implements it");
        }
        throw new IllegalStateException("unknown policy '" + name
                + "': use server-wins, client-wins, last-writer-wins, merge or custom:<bean name>");
    }
}
