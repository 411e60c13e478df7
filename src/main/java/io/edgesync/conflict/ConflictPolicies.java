package io.edgesync.conflict;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.literal.NamedLiteral;

import io.edgesync.cache.TableInfo;
import io.edgesync.config.EdgeSyncConfig;

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
        policyNamed(this.config.defaultConflictPolicy(), true);
        this.config.declared()
                .forEach((table, declared) -> declared.conflictPolicy()
                        .ifPresent(name -> policyNamed(name, true)));
    }

    /** The policy of a table. */
    public NamedPolicy forTable(String table) {
        return byTable.computeIfAbsent(TableInfo.key(table), key -> {
            String name = declaredPolicy(key).orElse(config.defaultConflictPolicy());
            return new NamedPolicy(name, policyNamed(name, true));
        });
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
        switch (normalized) {
            case "server-wins" :
                return BuiltInPolicies.SERVER_WINS;
            case "client-wins" :
                return BuiltInPolicies.CLIENT_WINS;
            case "last-writer-wins" :
                return BuiltInPolicies.LAST_WRITER_WINS;
            case "merge" :
                if (!allowMerge) {
                    throw new IllegalStateException("edgesync.tables.merge-fallback cannot be merge");
                }
                return BuiltInPolicies.merge(policyNamed(config.mergeFallback(), false));
            default :
                if (normalized.startsWith("custom:")) {
                    String bean = name.trim().substring("custom:".length());
                    Instance<ConflictPolicy> custom = customPolicies.select(NamedLiteral.of(bean));
                    if (custom.isResolvable()) {
                        return custom.get();
                    }
                    throw new IllegalStateException("Conflict policy '" + name + "': no CDI bean @Named(\"" + bean
                            + "\") implements ConflictPolicy");
                }
                throw new IllegalStateException("Unknown conflict policy '" + name
                        + "': use server-wins, client-wins, last-writer-wins, merge or custom:<bean name>");
        }
    }
}
