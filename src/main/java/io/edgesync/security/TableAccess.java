package io.edgesync.security;

import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.edgesync.cache.RowScope;
import io.edgesync.cache.TableInfo;
import io.edgesync.common.DomainException;
import io.edgesync.config.EdgeSyncConfig;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * Who may read and write which table, and whose rows they see. Tokens are verified lazily (so the Azure clients'
 * {@code X-ZUMO-AUTH} header can stand in for {@code Authorization}); an invalid token is always a 401, also where
 * anonymous access is allowed.
 */
@ApplicationScoped
public class TableAccess {

    private final CurrentIdentityAssociation identities;
    private final EdgeSyncConfig.Security security;
    private final EdgeSyncConfig.Tables tables;

    public TableAccess(CurrentIdentityAssociation identities, EdgeSyncConfig config) {
        this.identities = identities;
        this.security = config.security();
        this.tables = config.tables();
    }

    /**
     * What a caller may do on a table.
     *
     * @param caller who calls
     * @param scope whose rows the caller sees and may change: on a table with per-user rows its own (or, without a
     *     token, the rows that belong to nobody)
     */
    public record Access(Caller caller, RowScope scope) {
    }

    /** The caller of the current request; fails with 401 when a token was sent but is invalid. */
    public Uni<Caller> currentCaller() {
        return identities.getDeferredIdentity()
                .onFailure(AuthenticationFailedException.class)
                .transform(e -> new AccessDeniedException(DomainException.Kind.UNAUTHENTICATED,
                        "Invalid or expired token"))
                .map(TableAccess::toCaller);
    }

    /** Authorises the current caller for reading or writing {@code table}. */
    public Uni<Access> authorize(TableInfo table, boolean write) {
        return currentCaller().map(caller -> authorize(caller, table, write));
    }

    public Access authorize(Caller caller, TableInfo table, boolean write) {
        Optional<EdgeSyncConfig.DeclaredTable> declared = tables.declaredTable(table.name());
        if (!allowed(caller, declared, write)) {
            if (caller.isAnonymous()) {
                throw AccessDeniedException.unauthenticated();
            }
            throw AccessDeniedException.forbidden("Your roles may not " + (write ? "write" : "read") + " table '"
                    + table.displayName() + "'");
        }
        if (caller.isAnonymous()) {
            // On a table with per-user rows a caller without a token sees only the rows that belong to nobody.
            return new Access(caller, perUser(declared) ? RowScope.NOBODY : RowScope.EVERYONE);
        }
        return new Access(caller,
                perUser(declared) ? RowScope.owner(caller.subject().orElseThrow()) : RowScope.EVERYONE);
    }

    /**
     * Whether {@code caller} may read {@code table} (a name or lookup key) at all, the check of {@link #authorize}
     * without its answer: change notifications of a table go only to callers that may read it.
     */
    public boolean mayRead(Caller caller, String table) {
        return allowed(caller, tables.declaredTable(TableInfo.key(table)), false);
    }

    private boolean allowed(Caller caller, Optional<EdgeSyncConfig.DeclaredTable> declared, boolean write) {
        if (caller.isAnonymous()) {
            return security.anonymous() || declared.map(EdgeSyncConfig.DeclaredTable::anonymous).orElse(false);
        }
        Optional<List<String>> roles = declared.flatMap(t -> write ? t.writeRoles() : t.readRoles())
                .filter(list -> !list.isEmpty());
        return roles.isEmpty() || roles.get().stream().anyMatch(caller::hasRole);
    }

    /** Whether rows of {@code table} (a name or lookup key) belong to the user who inserted them. */
    public boolean rowsPerUser(String table) {
        return perUser(tables.declaredTable(table));
    }

    private static boolean perUser(Optional<EdgeSyncConfig.DeclaredTable> declared) {
        return declared.map(EdgeSyncConfig.DeclaredTable::perUser).orElse(true);
    }

    /** Whether a caller without a token may use {@code table}. */
    public boolean allowsAnonymous(String table) {
        return security.anonymous()
                || tables.declaredTable(TableInfo.key(table))
                        .map(EdgeSyncConfig.DeclaredTable::anonymous)
                        .orElse(false);
    }

    /** Whether a caller without a token may use some table: the native API is open to such callers then. */
    public boolean allowsAnonymousSomewhere() {
        return security.anonymous()
                || tables.declared().values().stream().anyMatch(EdgeSyncConfig.DeclaredTable::anonymous);
    }

    /** Whether the gateway serves callers without a token everywhere (the local default, never production). */
    public boolean wholeGatewayAnonymous() {
        return security.anonymous();
    }

    /** The admin API and metrics: the admin role, or anyone when the whole gateway is anonymous. */
    public Uni<Caller> requireAdmin() {
        return currentCaller().map(caller -> {
            if (security.anonymous() || caller.hasRole(security.adminRole())) {
                return caller;
            }
            if (caller.isAnonymous()) {
                throw AccessDeniedException.unauthenticated();
            }
            throw AccessDeniedException.forbidden("The admin API needs the role '" + security.adminRole() + "'");
        });
    }

    private static Caller toCaller(SecurityIdentity identity) {
        if (identity == null || identity.isAnonymous()) {
            return Caller.ANONYMOUS;
        }
        return new Caller(Optional.of(identity.getPrincipal().getName()), identity.getRoles());
    }
}
